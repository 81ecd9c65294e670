export { Database, openDatabase, type DatabaseMode, type Scope } from './database.js';
export { migrateDown, migrateUp, migrationStatus, type MigrationStatus } from './migrate.js';
export { quoteIdent, shellRoles, type ShellRoles } from './roles.js';
export { readLock, lockPath } from './embedded/index.js';
export { assumptions, AssumptionCheck, HOLDS, type Assumption } from './assumption.js';
export {
  DEFINER_SEARCH_PATH,
  SECURITY_DEFINER,
  definersInPublic,
  pinsTemporarySchemaLast,
  rolesWithTemporary,
  searchPathOf,
  type DefinerFunction,
} from './definers.js';
export { entranceStatements, migrateSql, querySql, type ModuleRoles } from './module-entrances.js';
