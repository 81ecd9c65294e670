import pg from 'pg';

/** One message to the database: its text (several statements, when sent as one) and its bound values. */
export interface SentStatement {
  text: string;
  values: unknown[];
}

/**
 * Every message this process sends to the database while `fn` runs, on every connection of
 * every pool, in order: one per round trip. Observed at pg's client, which Sequelize uses for
 * both the server and the embedded database; nothing is changed on its way.
 */
export async function statementsDuring(fn: () => Promise<unknown>): Promise<SentStatement[]> {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called only through query.apply(this, …)
  const query = pg.Client.prototype.query;
  const sent: SentStatement[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown];
    if (typeof config === 'string') sent.push({ text: config, values: Array.isArray(values) ? values : [] });
    else if (config && typeof config.text === 'string') sent.push({ text: config.text, values: config.values ?? [] });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}
