import type { Fields } from './parser.js';

/** The SQL a refused statement type is written as, where its node type's name does not say it. */
const NAMES: Record<string, string | ((fields: Fields) => string)> = {
  VariableSetStmt: (set) => (String(set.kind).startsWith('VAR_RESET') ? 'RESET' : 'SET'),
  VariableShowStmt: 'SHOW',
  TransactionStmt: (transaction) => String(transaction.kind).replace('TRANS_STMT_', '').replace(/_/g, ' '),
  GrantStmt: (grant) => (grant.is_grant ? 'GRANT' : 'REVOKE'),
  GrantRoleStmt: (grant) => (grant.is_grant ? 'GRANT' : 'REVOKE'),
  VacuumStmt: (vacuum) => (vacuum.is_vacuumcmd ? 'VACUUM' : 'ANALYZE'),
  CreateFunctionStmt: (create) => (create.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION'),
  DefineStmt: (define) => `CREATE ${String(define.kind).replace('OBJECT_', '')}`,
  DropStmt: (drop) => `DROP ${String(drop.removeType).replace('OBJECT_', '')}`,
  AlterTableStmt: (alter) => `ALTER ${String(alter.objtype).replace('OBJECT_', '')}`,
  CreateTableAsStmt: (create) => (create.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS'),
  CreateStmt: 'CREATE TABLE',
  IndexStmt: 'CREATE INDEX',
  ViewStmt: 'CREATE VIEW',
  CreateTrigStmt: 'CREATE TRIGGER',
  RuleStmt: 'CREATE RULE',
  CreateSeqStmt: 'CREATE SEQUENCE',
  CreateEnumStmt: 'CREATE TYPE … AS ENUM',
  CompositeTypeStmt: 'CREATE TYPE',
  SecLabelStmt: 'SECURITY LABEL',
  CheckPointStmt: 'CHECKPOINT',
  RenameStmt: 'ALTER … RENAME',
  AlterObjectSchemaStmt: 'ALTER … SET SCHEMA',
  AlterOwnerStmt: 'ALTER … OWNER TO',
};

/** How a statement is written, for a message: SET, DO, CREATE FUNCTION, ALTER ROLE… */
export function statementName(type: string, fields: Fields): string {
  const name = NAMES[type];
  if (typeof name === 'function') return name(fields);
  // DoStmt → DO, CreatePolicyStmt → CREATE POLICY, AlterDefaultPrivilegesStmt → ALTER DEFAULT PRIVILEGES.
  return (
    name ??
    type
      .replace(/Stmt$/, '')
      .replace(/(?<=[a-z])(?=[A-Z])/g, ' ')
      .toUpperCase()
  );
}
