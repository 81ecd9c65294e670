import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import type { Database } from '../db/index.js';
import { PublisherError } from './errors.js';

/**
 * Who vouches for a package: `publisher` is what owns an id — `bundled`, or a key's fingerprint
 * alone, so renaming a trusted `.pem` changes no ownership — and `label` how people are shown it
 * (the registry's `signing_key`). Both null for an unsigned package (PLINTH_ALLOW_UNSIGNED=1).
 */
export interface Signer {
  publisher: string | null;
  label: string | null;
}

export const BUNDLED_PUBLISHER = 'bundled';

/** An id's row of module_publishers: its owner (null while only unsigned versions exist) and high-water mark. */
export interface PublisherBinding {
  moduleId: string;
  publisher: string | null;
  publisherLabel: string | null;
  boundVersion: string | null;
  highestInstalled: string | null;
}

/** The signer of a `signing_key` as the registry stores it: "ed25519:<fingerprint> (<file>.pem)" or "bundled with Plinth". */
export function signerOf(signingKey: string | null, source: 'bundled' | 'published'): Signer {
  if (source === 'bundled') return { publisher: BUNDLED_PUBLISHER, label: signingKey };
  if (!signingKey) return { publisher: null, label: null };
  return { publisher: signingKey.replace(/ .*/s, ''), label: signingKey };
}

/** An id the running release ships in its `plugins/`: first-party, whether or not it is registered yet. */
export function isReleaseModule(bundledDir: string, moduleId: string): boolean {
  return fs.existsSync(path.join(bundledDir, moduleId, 'manifest.json'));
}

/** Call inside a unit holding the registry lock. */
export async function bindingOf(db: Database, moduleId: string): Promise<PublisherBinding | null> {
  const [row] = await db.rows<PublisherBinding>(
    `SELECT module_id AS "moduleId", publisher, publisher_label AS "publisherLabel", bound_version AS "boundVersion",
            highest_installed AS "highestInstalled"
       FROM module_publishers WHERE module_id = $1`,
    [moduleId],
  );
  return row ?? null;
}

/**
 * Refuses a package whose id belongs to someone else: a first-party id to anything but the
 * release, an id bound to a key to any other key, to an unsigned package, or to the release.
 * An id nobody has claimed yet (new, or only unsigned versions so far) is open to any signer.
 */
export function checkPublisher(
  moduleId: string,
  version: string,
  signer: Signer,
  binding: PublisherBinding | null,
  firstParty: boolean,
): void {
  const incoming =
    signer.publisher === BUNDLED_PUBLISHER
      ? 'the bundled release'
      : signer.label
        ? `${moduleId}@${version} signed by ${signer.label}`
        : `unsigned ${moduleId}@${version}`;
  if (signer.publisher !== BUNDLED_PUBLISHER && (firstParty || binding?.publisher === BUNDLED_PUBLISHER)) {
    throw new PublisherError(
      moduleId,
      `belongs to the bundled release (bundled with Plinth); ${incoming} is refused: a published package cannot take a first-party id`,
    );
  }
  if (binding?.publisher && binding.publisher !== signer.publisher) {
    throw new PublisherError(
      moduleId,
      `belongs to the key ${binding.publisherLabel}, which published its first version ${binding.boundVersion}; ` +
        `${incoming} is refused: a module id stays with the key that first published it`,
    );
  }
}

/**
 * Records a publish: the id is bound to its signer if nobody owns it yet. An unsigned
 * package binds nothing but still gets the id's row, which carries its high-water mark.
 */
export async function claimId(db: Database, moduleId: string, version: string, signer: Signer): Promise<void> {
  await db.exec(
    `INSERT INTO module_publishers (module_id, publisher, publisher_label, bound_version, bound_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $2::text IS NULL THEN NULL ELSE now() END)
     ON CONFLICT (module_id) DO UPDATE
       SET publisher = EXCLUDED.publisher, publisher_label = EXCLUDED.publisher_label,
           bound_version = EXCLUDED.bound_version, bound_at = EXCLUDED.bound_at
     WHERE module_publishers.publisher IS NULL AND EXCLUDED.publisher IS NOT NULL`,
    [moduleId, signer.publisher, signer.label, signer.publisher ? version : null],
  );
}

/** Raises the id's high-water mark to `version` if it is newer; call inside a unit holding the registry lock. */
export async function raiseHighWater(db: Database, moduleId: string, version: string): Promise<void> {
  const high = (await bindingOf(db, moduleId))?.highestInstalled;
  if (high && !semver.gt(version, high)) return;
  await db.exec(
    `INSERT INTO module_publishers (module_id, highest_installed) VALUES ($1, $2)
     ON CONFLICT (module_id) DO UPDATE SET highest_installed = EXCLUDED.highest_installed`,
    [moduleId, version],
  );
}
