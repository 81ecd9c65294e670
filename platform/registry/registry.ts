import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { PLINTH_VERSION, type PlinthConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { EventBus } from '../events/index.js';
import { ConflictError, NotFoundError } from '../errors/index.js';
import { log } from '../log/index.js';
import {
  packageFromBytes,
  packageFromDir,
  SignatureError,
  trustedKeys,
  parseManifestText,
  validateManifest,
  verifyTarball,
  type PluginManifest,
  type PluginPackage,
  type SignatureFile,
} from '../manifests/index.js';
import { recordLifecycle, type Actor } from './lifecycle-events.js';
import { bindingOf, checkPublisher, claimId, isReleaseModule, signerOf } from './publishers.js';

/** The release's own modules: `plugins/` of the repository (this file runs from dist/platform/registry/). */
export const BUNDLED_DIR = fileURLToPath(new URL('../../../plugins/', import.meta.url));

export type RegistryStatus = 'published' | 'installed' | 'uninstalled' | 'withdrawn';

export interface RegistryRow {
  id: string;
  moduleId: string;
  version: string;
  manifest: PluginManifest;
  packageSha256: string;
  signature: string | null;
  signingKey: string | null;
  source: 'bundled' | 'published';
  status: RegistryStatus;
  createdAt: Date;
}

const COLUMNS = `id, module_id AS "moduleId", version, manifest, package_sha256 AS "packageSha256", signature,
  signing_key AS "signingKey", source, status, created_at AS "createdAt"`;
/** Any fixed number: one registry change at a time, whichever process asks. */
const REGISTRY_LOCK = 7_400_312;

export interface PublishOptions {
  source: 'bundled' | 'published';
  /** How the package is named in messages: its folder or tarball. */
  label: string;
  signature?: SignatureFile;
  actor: Actor;
}

export interface PublishResult {
  row: RegistryRow;
  outcome: 'published' | 'unchanged' | 'signature added';
}

/** The marketplace registry: one row per module version, with its manifest, hash and signature. */
export class Registry {
  constructor(
    private readonly db: Database,
    private readonly config: PlinthConfig,
    private readonly bus: EventBus,
  ) {}

  /** Serialises registry and lifecycle changes; call inside a unit. */
  lock(): Promise<void> {
    return this.db.exec('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK]);
  }

  async rows(moduleId?: string): Promise<RegistryRow[]> {
    const rows = await this.db.app(null, () =>
      this.db.rows<RegistryRow>(
        `SELECT ${COLUMNS} FROM module_registry ${moduleId ? 'WHERE module_id = $1' : ''} ORDER BY module_id, created_at`,
        moduleId ? [moduleId] : [],
      ),
    );
    return rows.sort((a, b) => a.moduleId.localeCompare(b.moduleId) || semver.compare(a.version, b.version));
  }

  async installed(moduleId: string): Promise<RegistryRow | null> {
    return (await this.rows(moduleId)).find((r) => r.status === 'installed') ?? null;
  }

  /** The newest manifest of every module but `except`: what a new manifest is checked against. */
  async knownManifests(except?: string): Promise<Map<string, PluginManifest>> {
    const known = new Map<string, PluginManifest>();
    for (const row of await this.rows()) if (row.moduleId !== except) known.set(row.moduleId, row.manifest);
    return known;
  }

  /** Validates a package against the registry and this Plinth; throws ManifestError with every problem. */
  async validate(pkg: PluginPackage, label: string): Promise<PluginManifest> {
    const source = `${label}/manifest.json`;
    const value = parseManifestText(pkg.files.get('manifest.json') ?? '', source) as { id?: unknown };
    const known = await this.knownManifests(typeof value.id === 'string' ? value.id : undefined);
    return validateManifest(value, source, { engineVersion: PLINTH_VERSION, files: new Set(pkg.files.keys()), known }).manifest;
  }

  /**
   * Who vouches for a package: the release for a bundled one; for a published one, a trusted
   * key whose signature matches the exact bytes — or nobody, where PLINTH_ALLOW_UNSIGNED=1.
   */
  private trust(tarball: Buffer, options: PublishOptions): string | null {
    if (options.source === 'bundled') return 'bundled with Plinth';
    if (options.signature)
      return verifyTarball(options.label, tarball, options.signature, trustedKeys(this.config.trustedKeysDir));
    if (this.config.allowUnsigned) return null;
    throw new SignatureError(
      options.label,
      'is not signed; sign it with `plinth plugin sign` (or set PLINTH_ALLOW_UNSIGNED=1 to accept unsigned packages)',
    );
  }

  /** Publishes a packed plugin; its signature is checked before a byte of it is unpacked. */
  async publishTarball(tarball: Buffer, options: PublishOptions): Promise<PublishResult> {
    const signingKey = this.trust(tarball, options);
    return this.publishTrusted(await packageFromBytes(tarball, options.label), options, signingKey);
  }

  /**
   * Adds a package to the registry. A published one must be signed by a trusted key (unless
   * PLINTH_ALLOW_UNSIGNED=1); a bundled one is trusted as part of the release. The same
   * content again is a no-op; other content under a published version is refused. An id
   * belongs to whoever first signed a version of it (or to the release): see publishers.ts.
   */
  async publish(pkg: PluginPackage, options: PublishOptions): Promise<PublishResult> {
    return this.publishTrusted(pkg, options, this.trust(pkg.tarball, options));
  }

  private async publishTrusted(pkg: PluginPackage, options: PublishOptions, signingKey: string | null): Promise<PublishResult> {
    const manifest = await this.validate(pkg, options.label);
    const signature = options.signature ? JSON.stringify(options.signature) : null;
    const signer = signerOf(signingKey, options.source);
    // Publishing is platform-wide: its lifecycle event belongs to no workspace, which only the owner may write.
    return this.db.owner('publish a module version', async () => {
      await this.lock();
      // Before anything is written, and for a republish too: another key's signature is refused even over the same bytes.
      const firstParty = options.source === 'published' && isReleaseModule(BUNDLED_DIR, manifest.id);
      checkPublisher(manifest.id, manifest.version, signer, await bindingOf(this.db, manifest.id), firstParty);
      const [existing] = await this.db.rows<RegistryRow>(
        `SELECT ${COLUMNS} FROM module_registry WHERE module_id = $1 AND version = $2`,
        [manifest.id, manifest.version],
      );
      if (existing) {
        if (existing.packageSha256 !== pkg.sha256) {
          throw new ConflictError(
            'version',
            `${manifest.id}@${manifest.version} is already published with other content (sha256 ${existing.packageSha256.slice(0, 12)}…); publish it under a new version`,
          );
        }
        if (signature && !existing.signature) {
          await this.db.exec('UPDATE module_registry SET signature = $2, signing_key = $3 WHERE id = $1', [
            existing.id,
            signature,
            signingKey,
          ]);
          await claimId(this.db, manifest.id, manifest.version, signer);
          return { row: { ...existing, signature, signingKey }, outcome: 'signature added' };
        }
        return { row: existing, outcome: 'unchanged' };
      }
      const [inserted] = await this.db.rows<RegistryRow>(
        `INSERT INTO module_registry (module_id, version, manifest, package_sha256, signature, signing_key, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [manifest.id, manifest.version, JSON.stringify(manifest), pkg.sha256, signature, signingKey, options.source],
      );
      const row = inserted!; // INSERT … RETURNING answers the row it wrote
      if (options.source === 'published') {
        await this.db.exec('INSERT INTO module_packages (registry_id, tarball) VALUES ($1, $2)', [row.id, pkg.tarball]);
      }
      await claimId(this.db, manifest.id, manifest.version, signer);
      await recordLifecycle(this.bus, 'plinth.module_published', null, options.actor, {
        module: manifest.id,
        version: manifest.version,
        sha256: pkg.sha256,
        source: options.source,
      });
      return { row, outcome: 'published' };
    });
  }

  /** Registers every module under `plugins/` (source `bundled`); a broken one is reported, not fatal. */
  async registerBundled(dir = BUNDLED_DIR): Promise<PublishResult[]> {
    const results: PublishResult[] = [];
    if (!fs.existsSync(dir)) return results;
    let pending = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.join(dir, d.name))
      .sort();
    // Rounds until no progress: a module subscribing to another's events registers after it.
    while (pending.length > 0) {
      const failed: { folder: string; err: Error }[] = [];
      for (const folder of pending) {
        try {
          results.push(
            await this.publish(packageFromDir(folder), {
              source: 'bundled',
              label: folder,
              actor: { type: 'system', id: 'bundled' },
            }),
          );
        } catch (err) {
          failed.push({ folder, err: err as Error });
        }
      }
      if (failed.length === pending.length) {
        for (const f of failed) log.error({ folder: f.folder, err: f.err.message }, 'bundled module not registered');
        break;
      }
      pending = failed.map((f) => f.folder);
    }
    return results;
  }

  private readonly writtenSettings = new Map<string, unknown>();

  /**
   * A module's settings schema with its properties in the order its manifest was written: the
   * stored manifest is jsonb, which orders an object's keys its own way, and a settings form shows
   * them in this order. Read from the package once per version (a version never changes).
   */
  async settingsAsWritten(row: RegistryRow): Promise<unknown> {
    if (!row.manifest.settings) return null;
    let settings = this.writtenSettings.get(row.id);
    if (settings === undefined) {
      let pkg: PluginPackage;
      try {
        pkg = await this.packageOf(row);
      } catch (err) {
        // A bundled folder edited under the same version: its stored schema is still the one in force.
        log.warn({ err, module: row.moduleId }, 'settings shown in stored order');
        return row.manifest.settings;
      }
      const label = `${row.moduleId}@${row.version}/manifest.json`;
      settings = (parseManifestText(pkg.files.get('manifest.json') ?? '', label) as PluginManifest).settings;
      this.writtenSettings.set(row.id, settings);
    }
    return settings;
  }

  /** The package of a registry row: the stored tarball, or the bundled folder (checked against the registered hash). */
  async packageOf(row: RegistryRow): Promise<PluginPackage> {
    if (row.source === 'bundled') {
      const pkg = packageFromDir(path.join(BUNDLED_DIR, row.moduleId));
      if (pkg.sha256 !== row.packageSha256) {
        throw new ConflictError(
          'package',
          `bundled ${row.moduleId}@${row.version} changed since it was registered; give it a new version`,
        );
      }
      return pkg;
    }
    const [stored] = await this.db.app(null, () =>
      this.db.rows<{ tarball: Buffer }>('SELECT tarball FROM module_packages WHERE registry_id = $1', [row.id]),
    );
    if (!stored) throw new NotFoundError('package of module', `${row.moduleId}@${row.version}`);
    return packageFromBytes(stored.tarball, `${row.moduleId}@${row.version}`);
  }
}
