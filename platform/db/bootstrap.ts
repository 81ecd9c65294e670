import type { Database } from './database.js';
import { quoteIdent } from './roles.js';

/**
 * Creates the shell's two roles if they are missing and lets the owner create in `public`.
 * Roles belong to the cluster, not to a migration history, so this runs before migrations
 * (as the connecting user, who must be allowed to create roles) and is never undone by them.
 */
export async function ensureShellRoles(db: Database): Promise<void> {
  const { owner, app } = db.roles;
  for (const role of [owner, app]) {
    await db.exec(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
        CREATE ROLE ${quoteIdent(role)} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
      END IF;
    END $$`);
  }
  await db.exec(`GRANT USAGE, CREATE ON SCHEMA public TO ${quoteIdent(owner)}`);
  await db.exec(`GRANT USAGE ON SCHEMA public TO ${quoteIdent(app)}`);
}
