import { grantApp, run, type ShellMigration } from './context.js';

/**
 * The signatures of the signed requests module routes have taken, kept while the same request
 * could still pass the timestamp check, so that it is taken once: in the database, so that every
 * web process and a restart refuse it too. A signature says nothing without its workspace's
 * secret, which is why the table needs no row-level security; no module role is granted it.
 */
export const routeSignatures: ShellMigration = {
  name: '0018-route-signatures',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE route_signatures (
        signature text PRIMARY KEY CONSTRAINT route_signatures_format CHECK (signature ~ '^[0-9a-f]{64}$'),
        signed_at timestamptz NOT NULL
      )`,
      // What each insert's purge of expired signatures looks up.
      `CREATE INDEX route_signatures_signed_at_idx ON route_signatures (signed_at)`,
      ...grantApp(ctx, ['route_signatures']),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE route_signatures']);
  },
};
