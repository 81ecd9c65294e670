import { SandboxError } from '../sandbox/index.js';

/**
 * How many units of work each module may have open at once: a module that hangs holds at most
 * this many of the modules' connections, and the others keep theirs. A unit that finds its
 * module's slots taken waits, at most as long as one of its calls may run.
 */
export class ModuleSlots {
  private readonly busy = new Map<string, number>();
  /** Who waits for a slot of each module: a slot given back goes straight to the first. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly perModule: number) {}

  async take(moduleId: string, waitMs: number): Promise<() => void> {
    if (!this.free(moduleId)) {
      await this.wait(moduleId, waitMs);
      return this.releaser(moduleId);
    }
    this.busy.set(moduleId, (this.busy.get(moduleId) ?? 0) + 1);
    return this.releaser(moduleId);
  }

  /** A slot if one is free now, or null. */
  tryTake(moduleId: string): (() => void) | null {
    if (!this.free(moduleId) || (this.waiting.get(moduleId)?.length ?? 0) > 0) return null;
    this.busy.set(moduleId, (this.busy.get(moduleId) ?? 0) + 1);
    return this.releaser(moduleId);
  }

  private free(moduleId: string): boolean {
    return (this.busy.get(moduleId) ?? 0) < this.perModule;
  }

  private releaser(moduleId: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.get(moduleId)?.shift();
      if (next) next();
      else this.busy.set(moduleId, this.busy.get(moduleId)! - 1);
    };
  }

  private wait(moduleId: string, waitMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(moduleId) ?? [];
      this.waiting.set(moduleId, queue);
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(handOver), 1);
        reject(new SandboxError('busy', moduleId, `all ${this.perModule} of its connections stayed busy for ${waitMs} ms`));
      }, waitMs);
      const handOver = (): void => {
        clearTimeout(timer);
        resolve();
      };
      queue.push(handOver);
    });
  }
}
