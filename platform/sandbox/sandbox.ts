import type { JsonText } from './json-text.js';
import type { PluginManifest } from '../manifests/index.js';
import { bundleEntries } from './bundle.js';
import { ModuleIsolate, type HostOperations } from './isolate.js';
import { ModuleNetwork, type NetworkOptions } from './network.js';

/** The operator's bounds on what a manifest may ask for, and what a module gets when it asks for nothing. */
export interface SandboxLimits {
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  defaultMemoryMb: number;
  maxMemoryMb: number;
  /** Isolates kept warm at once; the least recently used beyond this are disposed. */
  maxIsolates: number;
  /** How long a call may go without a statement (for a database that serves one transaction at a time). */
  idleMs?: number;
  network: NetworkOptions;
}

/** What one call runs: a module version's code, in one workspace. */
export interface SandboxTarget {
  /** The module version's registry id: its code never changes. */
  registryId: string;
  manifest: PluginManifest;
  workspaceId: string;
  /** Where the version's files are, when its script must be built. */
  root: () => Promise<string>;
}

/** Every file a manifest names as code: what a module's script is built from. */
export function entriesOf(manifest: PluginManifest): string[] {
  const files = new Set<string>();
  for (const r of manifest.routes ?? []) files.add(r.handler);
  for (const s of manifest.events?.subscribes ?? []) files.add(s.handler);
  for (const g of manifest.gateways ?? []) files.add(g.handler);
  for (const t of manifest.tables ?? []) if (t.onChange) files.add(t.onChange);
  for (const h of Object.values(manifest.hooks ?? {})) if (h) files.add(h);
  return [...files].sort();
}

/**
 * Runs module code: one isolate per module version and workspace, so that nothing a module
 * keeps in memory while serving one workspace is there when it serves another. A module's
 * script is built once per version; isolates are made on first use and recycled when they
 * fail, when the least used must make room, or when the version is no longer the one called.
 */
export class Sandbox {
  private readonly scripts = new Map<string, Promise<string>>();
  private readonly isolates = new Map<string, Promise<ModuleIsolate>>();

  constructor(private readonly limits: SandboxLimits) {
    // isolated-vm's isolates crash a Node 20 process started with the startup snapshot.
    const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
    if (!flags.includes('--no-node-snapshot'))
      throw new Error('module sandboxes need Node started with --no-node-snapshot (npm start and the plinth command pass it)');
  }

  /** The limits a manifest gets: what it declares, within the operator's bounds. */
  limitsOf(manifest: PluginManifest): { timeoutMs: number; memoryMb: number } {
    const declared = manifest.limits ?? {};
    return {
      timeoutMs: Math.min(declared.timeoutMs ?? this.limits.defaultTimeoutMs, this.limits.maxTimeoutMs),
      memoryMb: Math.min(declared.memoryMb ?? this.limits.defaultMemoryMb, this.limits.maxMemoryMb),
    };
  }

  /** Makes the target's isolate now, so that a call need not wait for it. */
  async ready(target: SandboxTarget): Promise<void> {
    await this.isolate(target);
  }

  async call(
    target: SandboxTarget,
    entries: [string, unknown[] | JsonText][],
    meta: object,
    host: HostOperations,
  ): Promise<unknown[]> {
    const isolate = await this.isolate(target);
    return isolate.call(entries, meta, host, { timeoutMs: this.limitsOf(target.manifest).timeoutMs, idleMs: this.limits.idleMs });
  }

  /** Disposes every isolate (shutdown, tests). */
  close(): void {
    for (const pending of this.isolates.values())
      void pending.then(
        (i) => i.dispose(),
        () => {},
      );
    this.isolates.clear();
  }

  private script(target: SandboxTarget): Promise<string> {
    let script = this.scripts.get(target.registryId);
    if (!script) {
      script = target.root().then((root) => bundleEntries(target.manifest.id, root, entriesOf(target.manifest)));
      this.scripts.set(target.registryId, script);
      script.catch(() => this.scripts.delete(target.registryId));
    }
    return script;
  }

  private async isolate(target: SandboxTarget): Promise<ModuleIsolate> {
    const key = `${target.registryId}:${target.workspaceId}`;
    const pending = this.isolates.get(key);
    if (pending) {
      const isolate = await pending.catch(() => null);
      if (isolate?.alive) {
        // Most recently used last: the map's order is the eviction order.
        this.isolates.delete(key);
        this.isolates.set(key, pending);
        return isolate;
      }
      if (this.isolates.get(key) === pending) this.isolates.delete(key);
    }
    const made = this.script(target).then((code) =>
      ModuleIsolate.create(
        target.manifest.id,
        code,
        this.limitsOf(target.manifest).memoryMb,
        new ModuleNetwork(target.manifest.id, target.manifest.network?.hosts ?? [], this.limits.network),
      ),
    );
    this.isolates.set(key, made);
    made.catch(() => {
      if (this.isolates.get(key) === made) this.isolates.delete(key);
    });
    this.evict();
    return made;
  }

  private evict(): void {
    while (this.isolates.size > this.limits.maxIsolates) {
      const [oldest, pending] = this.isolates.entries().next().value as [string, Promise<ModuleIsolate>];
      this.isolates.delete(oldest);
      // Calls still running in it finish first: it is disposed once it has been idle a while.
      void pending.then(
        (i) => setTimeout(() => i.dispose(), this.limits.maxTimeoutMs).unref(),
        () => {},
      );
    }
  }
}
