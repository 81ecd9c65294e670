import semver from 'semver';
import { run, touchTrigger, type ShellMigration } from './context.js';

/**
 * Who each module id belongs to, and the newest version of it ever installed. A table of its own,
 * one row per id: registry rows are per version and can be withdrawn or deleted, and an id's
 * owner and high-water mark must outlive every one of them. No grant to the application role:
 * only the marketplace's maintenance units (owner, connection) read or change who owns an id.
 */
export const modulePublishers: ShellMigration = {
  name: '0015-module-publishers',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE module_publishers (
        module_id text PRIMARY KEY CONSTRAINT module_publishers_module_id_format CHECK (module_id ~ '^[a-z][a-z0-9-]{1,30}$'),
        publisher text CONSTRAINT module_publishers_publisher_format CHECK (publisher = 'bundled' OR publisher ~ '^ed25519:[0-9a-f]{16}$'),
        publisher_label text,
        bound_version text,
        bound_at timestamptz,
        highest_installed text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT module_publishers_bound_whole CHECK (
          (publisher IS NULL) = (publisher_label IS NULL) AND (publisher IS NULL) = (bound_version IS NULL)
          AND (publisher IS NULL) = (bound_at IS NULL))
      )`,
      touchTrigger('module_publishers'),
    ]);
    // A database from before this migration: each id belongs to the key of its oldest signed (or
    // bundled) version, and its high-water mark is the newest version the registry shows as installed once.
    const rows = await ctx.db.rows<{
      moduleId: string;
      version: string;
      source: string;
      signingKey: string | null;
      status: string;
    }>(
      `SELECT module_id AS "moduleId", version, source, signing_key AS "signingKey", status
         FROM module_registry ORDER BY created_at, id`,
    );
    const ids = new Map<
      string,
      { publisher: string | null; label: string | null; version: string | null; high: string | null }
    >();
    for (const r of rows) {
      const id = ids.get(r.moduleId) ?? { publisher: null, label: null, version: null, high: null };
      ids.set(r.moduleId, id);
      const fingerprint = r.source === 'bundled' ? 'bundled' : /^ed25519:[0-9a-f]{16}\b/.exec(r.signingKey ?? '')?.[0];
      if (!id.publisher && fingerprint) Object.assign(id, { publisher: fingerprint, label: r.signingKey, version: r.version });
      if ((r.status === 'installed' || r.status === 'uninstalled') && (!id.high || semver.gt(r.version, id.high)))
        id.high = r.version;
    }
    for (const [moduleId, id] of ids) {
      await ctx.db.exec(
        `INSERT INTO module_publishers (module_id, publisher, publisher_label, bound_version, bound_at, highest_installed)
         VALUES ($1, $2, $3, $4, CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, $5)`,
        [moduleId, id.publisher, id.label, id.version, id.high],
      );
    }
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE module_publishers']);
  },
};
