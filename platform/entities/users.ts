import bcrypt from 'bcryptjs';
import type { Database } from '../db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';
import type { MembershipRole, MembershipRow, ShellModels, UserRow } from './models.js';
import { checkText, normalizeEmail } from './normalize.js';
import { checkPasswordStrength } from './password-policy.js';
import { isUniqueViolation } from './pg-errors.js';
import type { Workspaces } from './workspaces.js';

const BCRYPT_COST = 12;
const ROLES: readonly MembershipRole[] = ['owner', 'admin', 'member'];
/** Compared against when the user is unknown, so a miss costs as long as a wrong password. */
const DUMMY_HASH = bcrypt.hashSync('plinth-no-such-user', BCRYPT_COST);

export type PublicUser = Omit<UserRow, 'passwordHash'>;

export interface CreateUserInput {
  email: string;
  name?: string;
  password: string;
}

/** The password to hash, once the policy accepts it; the email and its local part are what a guesser tries first. */
async function checkPassword(password: unknown, email: string): Promise<string> {
  if (typeof password !== 'string') throw new ValidationError('password', 'must be a string');
  await checkPasswordStrength(password, [email, email.replace(/@.*/s, '')]);
  return password;
}

const publicUser = ({ passwordHash: _hash, ...user }: UserRow): PublicUser => user;

/** Platform identities (not tenant-scoped) and their memberships in workspaces. */
export class Users {
  constructor(
    private readonly db: Database,
    private readonly models: ShellModels,
    private readonly workspaces: Workspaces,
  ) {}

  async create(input: CreateUserInput): Promise<PublicUser> {
    const email = normalizeEmail(input.email, 'email');
    const name = checkText(input.name ?? '', 'name', 200, false) ?? '';
    const passwordHash = await bcrypt.hash(await checkPassword(input.password, email), BCRYPT_COST);
    try {
      const row = await this.db.app(null, () => this.models.User.create({ email, name, passwordHash }));
      return publicUser(row.get({ plain: true }));
    } catch (err) {
      if (isUniqueViolation(err, 'users_email_key')) throw new ConflictError('email', `a user "${email}" already exists`);
      throw err;
    }
  }

  async byEmail(rawEmail: string): Promise<PublicUser> {
    const email = normalizeEmail(rawEmail, 'email');
    const row = await this.db.app(null, () => this.models.User.findOne({ where: { email } }));
    if (!row) throw new NotFoundError('user', email);
    return publicUser(row.get({ plain: true }));
  }

  async setPassword(rawEmail: string, password: string): Promise<void> {
    const user = await this.byEmail(rawEmail);
    const passwordHash = await bcrypt.hash(await checkPassword(password, user.email), BCRYPT_COST);
    // Whoever signed in with the old password is signed out with it.
    await this.db.app(null, async () => {
      await this.models.User.update({ passwordHash }, { where: { id: user.id } });
      await this.endSessionsOf(user.id);
    });
  }

  /** Stops a user signing in, and ends every session they have. */
  async disable(rawEmail: string): Promise<PublicUser> {
    const user = await this.byEmail(rawEmail);
    await this.db.app(null, async () => {
      await this.models.User.update({ status: 'disabled' }, { where: { id: user.id } });
      await this.endSessionsOf(user.id);
    });
    return { ...user, status: 'disabled' };
  }

  async enable(rawEmail: string): Promise<PublicUser> {
    const user = await this.byEmail(rawEmail);
    await this.db.app(null, () => this.models.User.update({ status: 'active' }, { where: { id: user.id } }));
    return { ...user, status: 'active' };
  }

  /** Takes a user's role in a workspace away; their sessions there end on their next request, in every web process. */
  async revoke(input: { email: string; workspace: string }): Promise<void> {
    const user = await this.byEmail(input.email);
    const workspace = await this.workspaces.bySlug(input.workspace);
    const removed = await this.db.app(workspace.id, () =>
      this.models.Membership.destroy({ where: { userId: user.id, workspaceId: workspace.id } }),
    );
    if (removed === 0) throw new NotFoundError('membership', `${user.email} in ${workspace.slug}`);
  }

  /** The user's signed-in sessions in the admin: the workspace each shows, and when each expires. */
  async sessions(rawEmail: string): Promise<{ id: string; workspace: string; expiresAt: Date }[]> {
    const user = await this.byEmail(rawEmail);
    return this.db.app(null, () =>
      this.db.rows(
        `SELECT left(sid, 8) AS id, data -> 'adminUser' ->> 'workspaceSlug' AS workspace, expires_at AS "expiresAt"
           FROM admin_sessions WHERE data -> 'adminUser' ->> 'id' = $1 AND expires_at > now() ORDER BY expires_at`,
        [user.id],
      ),
    );
  }

  /** Ends every session of the user; how many there were. */
  async endSessions(rawEmail: string): Promise<number> {
    const user = await this.byEmail(rawEmail);
    return this.db.app(null, () => this.endSessionsOf(user.id));
  }

  private async endSessionsOf(userId: string): Promise<number> {
    const ended = await this.db.rows("DELETE FROM admin_sessions WHERE data -> 'adminUser' ->> 'id' = $1 RETURNING 1", [userId]);
    return ended.length;
  }

  /** The active user with this email and password, or null; as slow for an unknown email as for a wrong password. */
  async verifyPassword(rawEmail: string, password: string): Promise<PublicUser | null> {
    let email: string;
    try {
      email = normalizeEmail(rawEmail, 'email');
    } catch {
      await bcrypt.compare(password, DUMMY_HASH);
      return null;
    }
    const row = await this.db.app(null, () => this.models.User.findOne({ where: { email } }));
    const user = row?.get({ plain: true });
    const matches = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
    return user && matches && user.status === 'active' ? publicUser(user) : null;
  }

  /** Gives a user a role in a workspace (replacing the role it had there). */
  async grant(input: { email: string; workspace: string; role: MembershipRole }): Promise<MembershipRow> {
    if (!ROLES.includes(input.role)) {
      throw new ValidationError('role', `"${String(input.role)}" is not a role (one of ${ROLES.join(', ')})`);
    }
    const user = await this.byEmail(input.email);
    const workspace = await this.workspaces.bySlug(input.workspace);
    return this.db.app(workspace.id, async () => {
      const [row] = await this.models.Membership.upsert({ userId: user.id, workspaceId: workspace.id, role: input.role });
      return row.get({ plain: true });
    });
  }

  /**
   * The user's role in exactly this workspace, or null. A membership of a parent (agency)
   * workspace grants nothing in its client workspaces by itself.
   */
  async roleIn(userId: string, workspaceId: string): Promise<MembershipRole | null> {
    const row = await this.db.app(workspaceId, () => this.models.Membership.findOne({ where: { userId, workspaceId } }));
    return row?.get({ plain: true }).role ?? null;
  }

  /**
   * The workspaces a user belongs to, with the role in each: read before any workspace is
   * chosen (signing in), through a function of the owner's, since memberships are tenant rows.
   */
  async memberships(userId: string): Promise<(MembershipRow & { slug: string; name: string })[]> {
    return this.db.app(null, () =>
      this.db.rows(
        'SELECT workspace_id AS "workspaceId", user_id AS "userId", role, slug, name FROM plinth_user_memberships($1)',
        [userId],
      ),
    );
  }
}
