import { SequelizeStorage, Umzug } from 'umzug';
import { migrateSql, type Database } from '../db/index.js';
import type { PluginPackage } from '../manifests/index.js';
import { checkModuleMigration, loadSqlGuard, SqlPolicyError } from '../sql-guard/index.js';
import { LifecycleError } from './errors.js';
import type { ModuleNames } from './names.js';

const UP = /^migrations\/([^/]+)\.sql$/;
/** The module's SQL migrations (`migrations/*.sql`, with optional `*.down.sql`), in name order. */
export function sqlMigrations(pkg: PluginPackage): { name: string; up: string; down?: string }[] {
  return [...pkg.files.keys()]
    .filter((f) => UP.test(f) && !f.endsWith('.down.sql'))
    .sort()
    .map((file) => {
      const name = UP.exec(file)![1]!; // kept by the filter above, and the pattern's group is required
      return { name, up: pkg.files.get(file)!.toString(), down: pkg.files.get(`migrations/${name}.down.sql`)?.toString() };
    });
}

/**
 * Runs the module's pending migrations in the caller's transaction, as the module's owner
 * role (through its entrance, where no statement can change role) with its schema first on the
 * search path, under a history table in its own schema.
 */
export async function runModuleMigrations(db: Database, names: ModuleNames, pkg: PluginPackage): Promise<string[]> {
  const migrations = sqlMigrations(pkg);
  await loadSqlGuard();
  for (const m of migrations) {
    for (const [kind, sql] of [
      ['', m.up],
      ['.down', m.down],
    ] as const) {
      if (!sql) continue;
      try {
        checkModuleMigration(sql, { schema: names.schema });
      } catch (err) {
        if (!(err instanceof SqlPolicyError)) throw err;
        throw new LifecycleError(names.id, `migrations/${m.name}${kind}.sql: ${err.message}`);
      }
    }
  }
  const umzug = new Umzug({
    migrations: migrations.map((m) => ({
      name: m.name,
      up: async () => {
        try {
          await db.sequelize.query(migrateSql(names.schema), { bind: [m.up] });
        } catch (err) {
          const reason = (err as { parent?: Error }).parent?.message ?? (err as Error).message;
          throw new LifecycleError(names.id, `migration ${m.name} failed: ${reason}`);
        }
      },
      down: async () => {
        if (m.down) await db.sequelize.query(migrateSql(names.schema), { bind: [m.down] });
      },
    })),
    storage: new SequelizeStorage({
      sequelize: db.sequelize,
      schema: names.schema,
      tableName: 'plinth_migrations',
      // Umzug reuses a model of the same name: each module needs its own.
      modelName: `PlinthModuleMigration_${names.prefix}`,
    }),
    logger: undefined,
  });
  return db.unit({ role: { name: names.ownerRole }, schema: names.schema, maintenance: true }, async () =>
    (await umzug.up()).map((m) => m.name),
  );
}
