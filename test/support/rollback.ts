/** Thrown to end a unit in rollback, carrying what it found: nothing an attack made outlives the test. */
class RolledBack<T> extends Error {
  constructor(readonly value: T) {
    super('rolled back on purpose');
  }
}

/**
 * Runs `fn` inside the unit `unit` opens (a transaction of the caller's choice), then rolls that
 * unit back, and returns what `fn` found.
 */
export async function rolledBack<T>(unit: (inner: () => Promise<never>) => Promise<unknown>, fn: () => Promise<T>): Promise<T> {
  try {
    await unit(async () => {
      throw new RolledBack(await fn());
    });
  } catch (err) {
    if (err instanceof RolledBack) return err.value as T;
    throw err;
  }
  throw new Error('the unit ended without running its work');
}
