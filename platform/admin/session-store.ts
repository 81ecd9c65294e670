import session from 'express-session';
import { assumptions, HOLDS, type Database } from '../db/index.js';

type Callback<T = void> = (err?: unknown, value?: T) => void;

const TOUCH_EVERY_MS = 60_000;

/** Read with each session, in the same statement: the configuration and memberships versions, for the user and workspace it names. */
export interface SessionCheck {
  userId: string;
  workspaceId: string;
  version: string;
  membershipsVersion: string;
}

interface KnownSession extends SessionCheck {
  data: string;
  /** The signed-in user, as JSON: what the assumption compares. */
  user: string;
}

const expiry = (data: session.SessionData, ttlMs: number): Date =>
  data.cookie?.expires ? new Date(data.cookie.expires) : new Date(Date.now() + ttlMs);

/**
 * Sessions in the shell's database, through the application role like every other shell query
 * (a store library would query outside our units, as whatever role the connection logged in as).
 * Expired rows are ignored on read and removed now and then on write.
 */
export class DatabaseSessionStore extends session.Store {
  private writes = 0;
  /** When this process last moved each session's expiry: once a minute is enough, not every request. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
  ) {
    super();
  }

  /** Each signed-in session as this process last read it, with the versions read beside it. */
  private readonly known = new Map<string, KnownSession>();

  /**
   * The session, and in the same statement (one round trip) the configuration and memberships
   * versions, kept for `checkFor`. Where the request set up an assumption check (a read-only
   * request) and this process read the session before, it is taken as read then, and the
   * request's first read checks that it, and the versions, still hold. Either way, what `known`
   * holds for the session is what this request may go by.
   */
  override get(sid: string, cb: Callback<session.SessionData | null>): void {
    const check = assumptions.getStore();
    const known = check && this.known.get(sid);
    if (check && known) {
      check.assume({ sql: this.unchangedSince(sid, known) });
      const data = JSON.parse(known.data) as session.SessionData;
      queueMicrotask(() => cb(undefined, data));
      return;
    }
    this.db
      .read<{ data: session.SessionData; version: string; membershipsVersion: string }>(
        { role: 'app' },
        `SELECT s.data, c.version::text AS version, c.memberships_version::text AS "membershipsVersion"
           FROM admin_sessions s CROSS JOIN admin_config c
          WHERE s.sid = $1 AND s.expires_at > now()`,
        [sid],
      )
      .then(([row]) => {
        if (row?.data.adminUser) {
          if (this.known.size > 10_000) this.known.clear();
          this.known.set(sid, {
            data: JSON.stringify(row.data),
            user: JSON.stringify(row.data.adminUser),
            userId: row.data.adminUser.id,
            workspaceId: row.data.adminUser.workspaceId,
            version: row.version,
            membershipsVersion: row.membershipsVersion,
          });
        } else this.known.delete(sid);
        cb(undefined, row?.data ?? null);
      }, cb);
  }

  /** Forgets a session this process read: the next request reads it again. */
  forget(sid: string): void {
    this.known.delete(sid);
  }

  /**
   * The statement saying whether the session still holds, for the same user and workspace, and
   * the versions have not moved. Only the signed-in user is compared: the cookie's own fields
   * change with every save (sign-in saves twice, the second time after its answer has gone).
   */
  private unchangedSince(sid: string, known: KnownSession): string {
    return this.db.inline(
      `SELECT EXISTS (SELECT 1 FROM admin_sessions WHERE sid = $1 AND expires_at > now() AND data -> 'adminUser' = $2::jsonb)
          AND EXISTS (SELECT 1 FROM admin_config WHERE version = $3::bigint AND memberships_version = $4::bigint) AS "${HOLDS}"`,
      [sid, known.user, known.version, known.membershipsVersion],
    );
  }

  /**
   * The versions read with this session, or confirmed by this request's assumption, where it is
   * this user's in this workspace; null otherwise.
   */
  checkFor(sid: string, userId: string, workspaceId: string): SessionCheck | null {
    const known = this.known.get(sid);
    return known && known.userId === userId && known.workspaceId === workspaceId ? known : null;
  }

  override set(sid: string, data: session.SessionData, cb: Callback = () => {}): void {
    this.known.delete(sid);
    this.db
      .app(null, async () => {
        await this.db.exec(
          `INSERT INTO admin_sessions (sid, data, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT (sid) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
          [sid, JSON.stringify(data), expiry(data, this.ttlMs)],
        );
        if (++this.writes % 100 === 0) await this.db.exec('DELETE FROM admin_sessions WHERE expires_at <= now()');
      })
      .then(() => cb(), cb);
  }

  override touch(sid: string, data: session.SessionData, cb: Callback = () => {}): void {
    const now = Date.now();
    if (now - (this.touched.get(sid) ?? 0) < TOUCH_EVERY_MS) return cb();
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(sid, now);
    this.db
      .app(null, () => this.db.exec('UPDATE admin_sessions SET expires_at = $2 WHERE sid = $1', [sid, expiry(data, this.ttlMs)]))
      .then(() => cb(), cb);
  }

  override destroy(sid: string, cb: Callback = () => {}): void {
    this.touched.delete(sid);
    this.known.delete(sid);
    this.db.app(null, () => this.db.exec('DELETE FROM admin_sessions WHERE sid = $1', [sid])).then(() => cb(), cb);
  }
}
