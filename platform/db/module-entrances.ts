import { escapeLiteral } from 'pg';
import { quoteIdent } from './roles.js';

/** The database names an entrance needs: a module's schema and its two roles. */
export interface ModuleRoles {
  schema: string;
  runtimeRole: string;
  ownerRole: string;
}

/**
 * Module SQL never runs on the platform's session as itself. It enters through one of two
 * SECURITY DEFINER functions in the module's schema, owned by the role it must run as:
 * `plinth_query` (the runtime role, a handler's statements) and `plinth_migrate` (the owner role,
 * a migration's). Inside a definer PostgreSQL refuses every change of identity — `SET ROLE`,
 * `RESET ROLE`, `set_config('role', …)`, `SET SESSION AUTHORIZATION`, in a DO block or not — so
 * whatever the text says, it runs as that role, which is a member of nothing.
 *
 * The owner of a function may still `ALTER FUNCTION … SECURITY INVOKER` (or give it settings):
 * each entrance checks, before running anything, that it is still a definer with exactly its
 * own settings, and refuses otherwise. The timeouts the platform set for the transaction are put
 * back after the statement, so a module cannot lift them for the statements after it.
 */
export const QUERY_ENTRANCE = 'plinth_query';
export const MIGRATE_ENTRANCE = 'plinth_migrate';

/** The settings an entrance runs with: its module's schema first, `pg_temp` last (pg_catalog is searched before both). */
const entranceSearchPath = (schema: string): string => `${quoteIdent(schema)}, public, pg_temp`;

/** `proconfig` as PostgreSQL stores the search path above (quoting a name only where it must): what an untouched entrance has. */
const storedConfig = (schema: string): string =>
  `ARRAY['search_path=' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(${escapeLiteral(schema)}) OPERATOR(pg_catalog.||) ', public, pg_temp']`;

/** The check every entrance makes first: still SECURITY DEFINER, still with only its own settings. */
function untouched(signature: string, schema: string): string {
  return `IF NOT EXISTS (SELECT FROM pg_catalog.pg_proc
                  WHERE oid = ${escapeLiteral(signature)}::pg_catalog.regprocedure
                    AND prosecdef AND proconfig OPERATOR(pg_catalog.=) ${storedConfig(schema)}) THEN
      RAISE EXCEPTION 'the module''s database entrance % was altered; reinstall or upgrade the module to restore it', ${escapeLiteral(signature)}
        USING ERRCODE = 'insufficient_privilege';
    END IF;`;
}

/** Statements (as the connecting user) that create or restore both entrances of a module. */
export function entranceStatements(names: ModuleRoles): string[] {
  const schema = quoteIdent(names.schema);
  const query = `${schema}.${QUERY_ENTRANCE}(text,boolean)`;
  const migrate = `${schema}.${MIGRATE_ENTRANCE}(text)`;
  const definer = `SECURITY DEFINER SET search_path = ${entranceSearchPath(names.schema)}`;
  return [
    // Returns each row as jsonb, so one function serves every statement; `rows` says whether it returns rows.
    `CREATE OR REPLACE FUNCTION ${query.replace('(text,boolean)', '(statement text, returns_rows boolean)')}
       RETURNS SETOF jsonb LANGUAGE plpgsql ${definer} AS $entrance$
     DECLARE
       r record;
       statement_limit text := pg_catalog.current_setting('statement_timeout');
       idle_limit text := pg_catalog.current_setting('idle_in_transaction_session_timeout');
     BEGIN
       ${untouched(query, names.schema)}
       IF returns_rows THEN
         FOR r IN EXECUTE statement LOOP
           RETURN NEXT pg_catalog.to_jsonb(r);
         END LOOP;
       ELSE
         EXECUTE statement;
       END IF;
       PERFORM pg_catalog.set_config('statement_timeout', statement_limit, true),
               pg_catalog.set_config('idle_in_transaction_session_timeout', idle_limit, true);
     END $entrance$`,
    `CREATE OR REPLACE FUNCTION ${migrate.replace('(text)', '(migration text)')}
       RETURNS void LANGUAGE plpgsql ${definer} AS $entrance$
     BEGIN
       ${untouched(migrate, names.schema)}
       EXECUTE migration;
     END $entrance$`,
    // CREATE OR REPLACE sets the security and settings anew (undoing any ALTER), but keeps the owner.
    `ALTER FUNCTION ${query} OWNER TO ${quoteIdent(names.runtimeRole)}`,
    `ALTER FUNCTION ${migrate} OWNER TO ${quoteIdent(names.ownerRole)}`,
    `REVOKE ALL ON FUNCTION ${query}, ${migrate} FROM PUBLIC`,
  ];
}

/** Statements that remove both entrances (a migration's `down`). */
export function dropEntranceStatements(schema: string): string[] {
  return [
    `DROP FUNCTION IF EXISTS ${quoteIdent(schema)}.${QUERY_ENTRANCE}(text,boolean)`,
    `DROP FUNCTION IF EXISTS ${quoteIdent(schema)}.${MIGRATE_ENTRANCE}(text)`,
  ];
}

/** A module statement as the runtime role: the rows come back as one jsonb column, `row`. */
export const querySql = (schema: string): string => `SELECT e AS row FROM ${quoteIdent(schema)}.${QUERY_ENTRANCE}($1, $2) e`;

/** A migration's text as the owner role. */
export const migrateSql = (schema: string): string => `SELECT ${quoteIdent(schema)}.${MIGRATE_ENTRANCE}($1)`;
