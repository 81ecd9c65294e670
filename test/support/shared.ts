import { failOnSkippedBrowserTests } from './chromium.js';
import { freshDatabase, type TestDatabase } from './database.js';

let shared: Promise<TestDatabase> | undefined;

/** One migrated database for the tests that only add rows of their own (unique slugs and emails). */
export function sharedDatabase(): Promise<TestDatabase> {
  shared ??= freshDatabase();
  return shared;
}

/** Mocha root hooks: once the whole run is over, drop the shared database and refuse skipped browser tests. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    if (shared) await (await shared).drop();
    failOnSkippedBrowserTests(this.test!.parent!);
  },
};
