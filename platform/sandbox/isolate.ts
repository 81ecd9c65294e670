import { entriesText, type JsonText } from './json-text.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import ivm from 'isolated-vm';
import { log } from '../log/index.js';
import { BRIDGE_SOURCE } from './bridge.js';
import { NetworkError, SandboxError } from './errors.js';
import { MAX_FETCHES_AT_ONCE, type ModuleNetwork } from './network.js';

/** What a call's code may ask of the platform: the operations behind `ctx`, run in the call's unit of work. */
export interface HostOperations {
  async(op: string, args: unknown[]): Promise<unknown>;
  sync(op: string, args: unknown[]): unknown;
  log(level: string, message: string, fields: Record<string, unknown> | undefined): void;
}

export interface CallLimits {
  /** Wall time of one call, awaits included. */
  timeoutMs: number;
  /**
   * How long the call may go without asking the platform for anything: on a database that
   * serves one transaction at a time (the embedded one), an idle call holds everyone else up.
   */
  idleMs?: number;
}

/** The most text that may cross the boundary in one message: a module cannot flood the platform's heap. */
const MAX_MESSAGE = 16 * 1024 * 1024;
const DIGESTS: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

interface LiveCall {
  host: HostOperations;
  /** Runs host work in the async context of the call's caller (its transaction). */
  enter: <R>(fn: () => R) => R;
  pending: Set<Promise<unknown>>;
  /** Of `pending`, the network requests: waiting on them is not work on the database. */
  fetches: Set<Promise<unknown>>;
  /** When the call's time runs out (epoch ms). */
  deadline: number;
  /** Starts (or stops) the idle watch: called whenever the count of pending operations changes. */
  watch: () => void;
}

/**
 * One V8 isolate running one module's code for one workspace: no Node APIs, no file system, no
 * network but `ctx.fetch` to its declared hosts, no environment, a heap of at most `memoryMb`. The platform reaches into it only
 * through `call`, and it reaches out only through the operations a call hands it. When a call
 * outlives its time or the heap outgrows its limit, the isolate is disposed: every call in it
 * fails, and the next call gets a fresh one.
 */
export class ModuleIsolate {
  private readonly calls = new Map<number, LiveCall>();
  private nextId = 1;
  private death: SandboxError | null = null;
  private readonly dead: Promise<never>;
  private kill!: (reason: SandboxError) => void;
  lastUsed = Date.now();

  private constructor(
    readonly moduleId: string,
    private readonly isolate: ivm.Isolate,
    private readonly runner: ivm.Reference<(id: number, calls: string, meta: string) => Promise<string>>,
    private readonly network: ModuleNetwork,
  ) {
    this.dead = new Promise<never>((_, reject) => {
      this.kill = reject;
    });
    this.dead.catch(() => {});
  }

  static async create(moduleId: string, code: string, memoryMb: number, network: ModuleNetwork): Promise<ModuleIsolate> {
    const isolate = new ivm.Isolate({
      memoryLimit: memoryMb,
      onCatastrophicError: (message) => log.fatal({ module: moduleId, message }, 'a module sandbox failed beyond recovery'),
    });
    try {
      const context = await isolate.createContext();
      const holder: { self?: ModuleIsolate } = {};
      const liveCall = (id: number): LiveCall | null => holder.self?.calls.get(id) ?? null;
      await context.global.set(
        '__plinth_host_async',
        new ivm.Reference((id: number, op: string, argsText: string) => holder.self!.hostAsync(id, op, argsText)),
      );
      await context.global.set(
        '__plinth_host_sync',
        new ivm.Reference((id: number, op: string, argsText: string) => {
          return holder.self!.hostSync(id, op, argsText);
        }),
      );
      await context.global.set(
        '__plinth_host_log',
        new ivm.Reference((id: number, level: string, message: string, fields: string) => {
          const call = liveCall(id);
          const detail = fields ? safeParse(fields) : undefined;
          if (call) call.host.log(level, message, detail);
          else log.child({ module: moduleId }).info({ ...detail, level }, message);
        }),
      );
      const runner = (await context.eval(BRIDGE_SOURCE, { reference: true, timeout: 1000 })) as ivm.Reference<
        (id: number, calls: string, meta: string) => Promise<string>
      >;
      await (await isolate.compileScript(code, { filename: `module:${moduleId}` })).run(context, { timeout: 5000 });
      const self = new ModuleIsolate(moduleId, isolate, runner, network);
      holder.self = self;
      return self;
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw new SandboxError('code', moduleId, `its code failed to load: ${(err as Error).message}`);
    }
  }

  get alive(): boolean {
    return !this.death && !this.isolate.isDisposed;
  }

  /**
   * Runs entries one after another with one `ctx` and returns their results. The call fails
   * when the code throws, when it is still running after `timeoutMs` (the isolate is then
   * disposed, so nothing of it runs on), or when the isolate died of its memory limit.
   */
  async call(
    entries: [entry: string, args: unknown[] | JsonText][],
    meta: object,
    host: HostOperations,
    limits: CallLimits,
  ): Promise<unknown[]> {
    if (!this.alive) throw this.death ?? new SandboxError('crash', this.moduleId, 'its sandbox was disposed');
    this.lastUsed = Date.now();
    const id = this.nextId++;
    let idle: NodeJS.Timeout | undefined;
    let stop!: (reason: SandboxError) => void;
    const late = new Promise<never>((_, reject) => {
      stop = (reason) => {
        this.dispose(reason);
        reject(reason);
      };
    });
    late.catch(() => {});
    const call: LiveCall = {
      host,
      enter: AsyncLocalStorage.snapshot(),
      pending: new Set(),
      fetches: new Set(),
      deadline: Date.now() + limits.timeoutMs,
      watch: () => {
        clearTimeout(idle);
        if (!limits.idleMs || call.pending.size > call.fetches.size) return;
        const reason =
          call.fetches.size > 0
            ? `${describe(entries)} held its transaction for ${limits.idleMs} ms waiting on the network (PLINTH_MODULE_IDLE_MS)`
            : `${describe(entries)} held its transaction for ${limits.idleMs} ms without a statement`;
        idle = setTimeout(() => stop(new SandboxError('timeout', this.moduleId, reason)), limits.idleMs);
      },
    };
    this.calls.set(id, call);
    const reason = `${describe(entries)} did not finish within ${limits.timeoutMs} ms`;
    const timer = setTimeout(() => stop(new SandboxError('timeout', this.moduleId, reason)), limits.timeoutMs);
    call.watch();
    try {
      const run = this.runner.apply(undefined, [id, entriesText(entries), JSON.stringify(meta)], {
        result: { promise: true },
        timeout: limits.timeoutMs,
      });
      const text = await Promise.race([run, late, this.dead]).catch((err: unknown) => {
        // isolated-vm's own limit on the synchronous run may fire before the timer above: the same stop.
        if ((err as Error)?.message === ISOLATED_VM_TIMEOUT) stop(new SandboxError('timeout', this.moduleId, reason));
        throw this.failure(err, entries);
      });
      // What the code started and did not await still runs in this call's transaction: let it end first.
      await Promise.race([Promise.allSettled([...call.pending]), late, this.dead]);
      if (typeof text !== 'string' || text.length > MAX_MESSAGE)
        throw new SandboxError('code', this.moduleId, `${describe(entries)} returned more than the platform accepts`);
      const outcome = JSON.parse(text) as { ok?: unknown[]; error?: { message?: unknown; code?: unknown; path?: unknown } };
      if (outcome.error) throw this.failure(outcome.error, entries);
      return outcome.ok ?? [];
    } finally {
      clearTimeout(timer);
      clearTimeout(idle);
      this.calls.delete(id);
    }
  }

  /** Ends the isolate and every call in it with `reason`. */
  dispose(reason = new SandboxError('ended', this.moduleId, 'its sandbox was recycled')): void {
    if (this.death) return;
    this.death = reason;
    this.kill(reason);
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }

  /** A failure of the isolate as the module's error: its own exception, its memory limit, or its disposal. */
  private failure(err: unknown, entries: [string, unknown[] | JsonText][]): SandboxError {
    if (err instanceof SandboxError) return err;
    if (this.isolate.isDisposed && !this.death) {
      const reason = new SandboxError(
        'memory',
        this.moduleId,
        `${describe(entries)} exceeded its memory limit; its sandbox was recycled`,
      );
      this.dispose(reason);
      return reason;
    }
    if (this.death) return this.death;
    const { message: thrown, code, path } = err as { message?: unknown; code?: unknown; path?: unknown };
    const message = String(thrown).slice(0, 2000);
    return new SandboxError('code', this.moduleId, `${describe(entries)} failed: ${message}`, {
      message,
      ...(typeof code === 'string' && { code }),
      ...(typeof path === 'string' && { path }),
    });
  }

  private async hostAsync(id: number, op: string, argsText: string): Promise<string> {
    const call = this.calls.get(id);
    if (!call) return answerError(new SandboxError('ended', this.moduleId, `ctx.${op} was called after its call had ended`));
    const work =
      op === 'fetch'
        ? (async () => this.fetch(call, parseArgs(argsText)))()
        : (async () => call.enter(() => call.host.async(op, parseArgs(argsText))))();
    call.pending.add(work);
    if (op === 'fetch') call.fetches.add(work);
    call.watch();
    try {
      return answer(await work);
    } catch (err) {
      return answerError(err);
    } finally {
      call.pending.delete(work);
      call.fetches.delete(work);
      call.watch();
    }
  }

  private fetch(call: LiveCall, [request]: unknown[]): Promise<unknown> {
    if (call.fetches.size >= MAX_FETCHES_AT_ONCE)
      throw new NetworkError('refused', this.moduleId, `at most ${MAX_FETCHES_AT_ONCE} requests may be in flight at once`);
    return this.network.fetch(request, call.deadline);
  }

  private hostSync(id: number, op: string, argsText: string): string {
    try {
      const args = parseArgs(argsText);
      if (op === 'random') return answer([...randomBytes(Math.min(65536, Math.max(0, Number(args[0]) | 0)))]);
      if (op === 'digest') {
        const algorithm = DIGESTS[String(args[0]).toUpperCase()];
        if (!algorithm) throw new Error(`digest: unsupported algorithm ${String(args[0])}`);
        return answer([
          ...createHash(algorithm)
            .update(Uint8Array.from(args[1] as number[]))
            .digest(),
        ]);
      }
      const call = this.calls.get(id);
      if (!call) throw new SandboxError('ended', this.moduleId, `ctx.${op} was called after its call had ended`);
      try {
        return answer(call.enter(() => call.host.sync(op, args)));
      } finally {
        // The platform's own time (compiling a form's schema for ctx.validate) is not the module idling.
        call.watch();
      }
    } catch (err) {
      return answerError(err);
    }
  }
}

function parseArgs(text: string): unknown[] {
  if (typeof text !== 'string' || text.length > MAX_MESSAGE) throw new Error('arguments larger than the platform accepts');
  const args = JSON.parse(text) as unknown;
  if (!Array.isArray(args)) throw new Error('arguments must be a list');
  return args;
}

const safeParse = (text: string): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return undefined;
  }
};

const answer = (value: unknown): string => JSON.stringify({ ok: value === undefined ? null : value });

/** An error as the module sees it: its message and code, never the platform's stack. */
function answerError(err: unknown): string {
  const e = err as { message?: string; code?: unknown; path?: unknown; parent?: { message?: string } };
  const message = e.parent?.message ?? e.message ?? String(err);
  return JSON.stringify({
    error: { message, ...(typeof e.code === 'string' && { code: e.code }), ...(typeof e.path === 'string' && { path: e.path }) },
  });
}

/** What isolated-vm throws when a run passes its `timeout`. */
const ISOLATED_VM_TIMEOUT = 'Script execution timed out.';

const describe = (entries: [string, unknown[] | JsonText][]): string =>
  // A batch holds at least one call.
  entries.length === 1 ? entries[0]![0] : `${entries[0]![0]} (and ${entries.length - 1} more in the batch)`;
