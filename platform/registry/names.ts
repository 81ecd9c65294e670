import { modulePrefix } from '../manifests/index.js';
import { PlinthError } from '../errors/index.js';

/** The database names of one module: its schema and its two roles. */
export interface ModuleNames {
  id: string;
  prefix: string;
  schema: string;
  /** DML on its own tables only; what handlers and requests run as. */
  runtimeRole: string;
  /** NOLOGIN; owns the schema and tables; used only by the module's migrations. */
  ownerRole: string;
}

export function moduleNames(id: string, rolePrefix: string): ModuleNames {
  const prefix = modulePrefix(id);
  const names = {
    id,
    prefix,
    schema: `mod_${prefix}`,
    runtimeRole: `${rolePrefix}mod_${prefix}`,
    ownerRole: `${rolePrefix}mod_${prefix}_owner`,
  };
  // PostgreSQL cuts longer names silently, which could make two modules share a role.
  if (names.ownerRole.length > 63) {
    throw new PlinthError(
      'name_too_long',
      `module "${id}": role name ${names.ownerRole} is longer than PostgreSQL's 63 characters; use a shorter PLINTH_ROLE_PREFIX`,
      id,
    );
  }
  return names;
}
