import type { Database } from '../db/index.js';
import { moduleNames } from './names.js';
import type { RegistryRow } from './registry.js';
import { shellReadsOf } from './shell-access.js';

export interface RoleRights {
  role: string;
  /** Every right the role holds, as "PRIVILEGE on schema.object" (columns in brackets). */
  rights: string[];
  /** The rights its manifest does not account for. */
  beyond: string[];
}

export interface ModuleGrants {
  moduleId: string;
  roles: RoleRights[];
}

const DML = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/** What the manifest of an installed module grants its two roles. */
function expected(row: RegistryRow, rolePrefix: string): Map<string, Set<string>> {
  const names = moduleNames(row.moduleId, rolePrefix);
  const runtime = new Set([`USAGE on schema ${names.schema}`]);
  for (const t of row.manifest.tables ?? []) for (const p of DML) runtime.add(`${p} on ${names.schema}.${t.name}`);
  for (const read of shellReadsOf(row.manifest)) {
    runtime.add(`SELECT on ${names.schema}.${read.table}`);
    if (read.columns) for (const c of read.columns) runtime.add(`SELECT on public.${read.table}[${c}]`);
    else runtime.add(`SELECT on public.${read.table}`);
  }
  return new Map([
    [names.runtimeRole, runtime],
    [names.ownerRole, new Set([`REFERENCES on public.workspaces[id]`])],
  ]);
}

/**
 * Every right a role holds on objects it does not own, plus role memberships and attributes that
 * grant power, and TEMPORARY on this database however it comes (PUBLIC included): no manifest
 * grants that one, since a temporary object can stand in for a shell table in a shared session.
 */
async function rightsOf(db: Database, role: string): Promise<string[]> {
  const rows = await db.rows<{ right: string }>(
    `WITH r AS (SELECT oid FROM pg_roles WHERE rolname = $1)
     SELECT a.privilege_type || ' on ' || n.nspname || '.' || c.relname AS right
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, LATERAL aclexplode(c.relacl) a, r
      WHERE a.grantee = r.oid AND c.relowner <> r.oid
     UNION
     SELECT a.privilege_type || ' on ' || n.nspname || '.' || c.relname || '[' || att.attname || ']'
       FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace,
            LATERAL aclexplode(att.attacl) a, r
      WHERE a.grantee = r.oid AND c.relowner <> r.oid
     UNION
     SELECT a.privilege_type || ' on schema ' || n.nspname
       FROM pg_namespace n, LATERAL aclexplode(n.nspacl) a, r
      WHERE a.grantee = r.oid AND n.nspowner <> r.oid
     UNION
     SELECT 'member of ' || g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid, r WHERE m.member = r.oid
     UNION
     SELECT 'owns ' || n.nspname || '.' || c.relname
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, r
      WHERE c.relowner = r.oid AND n.nspname NOT LIKE 'mod\\_%' AND n.nspname <> 'pg_toast'
     UNION
     SELECT 'TEMPORARY on database ' || current_database()
       FROM r WHERE has_database_privilege(r.oid, current_database(), 'TEMPORARY')
     UNION
     SELECT unnest(ARRAY[
              CASE WHEN rolsuper THEN 'SUPERUSER' END, CASE WHEN rolbypassrls THEN 'BYPASSRLS' END,
              CASE WHEN rolcreaterole THEN 'CREATEROLE' END, CASE WHEN rolcreatedb THEN 'CREATEDB' END,
              CASE WHEN rolcanlogin THEN 'LOGIN' END])
       FROM pg_roles WHERE rolname = $1`,
    [role],
  );
  return rows
    .map((r) => r.right)
    .filter(Boolean)
    .sort();
}

/**
 * Compares each installed module's roles with what its manifest grants: `beyond` lists any
 * right nobody declared (a manual GRANT, a membership, an attribute, TEMPORARY), and rights on a
 * module's objects granted to PUBLIC are reported against every module.
 */
export async function auditGrants(db: Database, installed: RegistryRow[]): Promise<ModuleGrants[]> {
  return db.unit({ role: 'connection' }, async () => {
    const publicRights = await db.rows<{ right: string }>(
      `SELECT a.privilege_type || ' on ' || n.nspname || '.' || c.relname || ' (to PUBLIC)' AS right
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, LATERAL aclexplode(c.relacl) a
        WHERE a.grantee = 0 AND n.nspname LIKE 'mod\\_%'
       UNION
       SELECT a.privilege_type || ' on schema ' || n.nspname || ' (to PUBLIC)'
         FROM pg_namespace n, LATERAL aclexplode(n.nspacl) a WHERE a.grantee = 0 AND n.nspname LIKE 'mod\\_%'`,
    );
    const result: ModuleGrants[] = [];
    for (const row of installed) {
      const roles: RoleRights[] = [];
      for (const [role, allowed] of expected(row, db.roles.prefix)) {
        const rights = await rightsOf(db, role);
        roles.push({ role, rights, beyond: rights.filter((r) => !allowed.has(r)) });
      }
      // PUBLIC's rights count against the runtime role, which expected() always lists first.
      roles[0]!.beyond.push(...publicRights.map((p) => p.right));
      result.push({ moduleId: row.moduleId, roles });
    }
    return result;
  });
}
