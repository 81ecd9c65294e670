import { createHash, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import type { Database } from '../db/index.js';
import { ConflictError, ValidationError } from '../errors/index.js';

const RECOVERY_CODES = 10;
const ISSUER = 'Plinth';

/** A recovery code as typed: case, spaces and dashes do not matter. */
const normalize = (code: string): string => code.toLowerCase().replace(/[\s-]/g, '');
const hash = (code: string): string => createHash('sha256').update(normalize(code)).digest('hex');

/** Ten random base32 characters, shown as two groups of five (50 bits: not guessable, so a fast hash is enough). */
function recoveryCode(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const chars = [...randomBytes(10)].map((b) => alphabet[b & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/**
 * Two-factor sign-in with TOTP (RFC 6238, what every authenticator app speaks): a user's secret,
 * confirmed with a first code before it counts; recovery codes, shown once and kept hashed; and
 * workspaces that require it of their members and of their client workspaces' members.
 */
export class TwoFactor {
  constructor(private readonly db: Database) {}

  /** A fresh secret and the otpauth URI an authenticator app reads from a QR code; nothing is stored. */
  proposal(email: string): { secret: string; uri: string } {
    const secret = generateSecret();
    return { secret, uri: generateURI({ issuer: ISSUER, label: email, secret }) };
  }

  /**
   * Turns two-factor sign-in on with `secret`, once `code` proves the user's app has it; the
   * recovery codes, which are never shown again.
   */
  async enable(userId: string, secret: string, code: string): Promise<string[]> {
    const step = await this.stepOf(secret, code, null);
    if (step === null)
      throw new ValidationError('code', 'is not the code your app shows now; check the time on your phone and try again');
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    await this.db.app(null, async () => {
      const [updated] = await this.db.rows(
        `UPDATE users SET totp_secret = $2, totp_enabled_at = now(), totp_last_step = $3
          WHERE id = $1 AND totp_secret IS NULL RETURNING 1`,
        [userId, secret, step],
      );
      if (!updated) throw new ConflictError('two-factor', 'two-factor sign-in is already on for this user');
      await this.db.exec('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      await this.db.exec('INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])', [
        userId,
        codes.map(hash),
      ]);
    });
    return codes;
  }

  async enabled(userId: string): Promise<boolean> {
    const [row] = await this.db.app(null, () =>
      this.db.rows('SELECT 1 FROM users WHERE id = $1 AND totp_enabled_at IS NOT NULL', [userId]),
    );
    return !!row;
  }

  /**
   * Whether `code` is the user's current TOTP code, not used before, or one of their unused
   * recovery codes; either way it is spent, in the same statement that checks it.
   */
  async check(userId: string, code: string): Promise<boolean> {
    const typed = code.trim();
    return this.db.app(null, async () => {
      if (/^\d{6}$/.test(typed)) {
        const [user] = await this.db.rows<{ secret: string | null; last: string | null }>(
          'SELECT totp_secret AS secret, totp_last_step::text AS last FROM users WHERE id = $1',
          [userId],
        );
        if (!user?.secret) return false;
        const step = await this.stepOf(user.secret, typed, user.last === null ? null : Number(user.last));
        if (step === null) return false;
        const [spent] = await this.db.rows(
          `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING 1`,
          [userId, step],
        );
        return !!spent;
      }
      const [spent] = await this.db.rows(
        `UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING 1`,
        [userId, hash(typed)],
      );
      return !!spent;
    });
  }

  /** Turns it off for a user (a lost phone, at the operator's hand): their codes go too. */
  async reset(userId: string): Promise<void> {
    await this.db.app(null, async () => {
      await this.db.exec('UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1', [
        userId,
      ]);
      await this.db.exec('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
    });
  }

  /** Whether this workspace, or any workspace above it (its agency), requires two-factor sign-in. */
  async requiredIn(workspaceId: string): Promise<boolean> {
    const [row] = await this.db.app(null, () =>
      this.db.rows<{ required: boolean }>(
        `WITH RECURSIVE up(id, parent_id, required) AS (
           SELECT id, parent_id, require_two_factor FROM workspaces WHERE id = $1
           UNION ALL SELECT w.id, w.parent_id, w.require_two_factor FROM workspaces w JOIN up ON w.id = up.parent_id)
         SELECT coalesce(bool_or(required), false) AS required FROM up`,
        [workspaceId],
      ),
    );
    return row!.required; // an aggregate without GROUP BY answers one row
  }

  /** Requires it (or stops requiring it) of the workspace's members and of its client workspaces'. */
  async require(workspaceId: string, required: boolean): Promise<void> {
    await this.db.app(workspaceId, () =>
      this.db.exec('UPDATE workspaces SET require_two_factor = $2 WHERE id = $1', [workspaceId, required]),
    );
  }

  /** The time step `code` belongs to (within one step either side of now, after `after`), or null. */
  private async stepOf(secret: string, code: string, after: number | null): Promise<number | null> {
    if (!/^\d{6}$/.test(code.trim())) return null;
    const result = await verify({
      secret,
      token: code.trim(),
      epochTolerance: 30,
      ...(after !== null && { afterTimeStep: after }),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  }
}
