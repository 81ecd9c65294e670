import { freshDatabase, type TestDatabase } from './database.js';

let shared: Promise<TestDatabase> | undefined;

/** One migrated database for the tests that only add rows of their own (unique slugs and emails). */
export function sharedDatabase(): Promise<TestDatabase> {
  shared ??= freshDatabase();
  return shared;
}

/** Mocha root hooks: drop the shared database once the whole run is over. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    if (shared) await (await shared).drop();
  },
};
