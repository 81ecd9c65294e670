import { AsyncLocalStorage } from 'node:async_hooks';

type Context = Record<string, unknown>;

/**
 * The continuation-local namespace Sequelize reads its current transaction from, built on
 * Node's AsyncLocalStorage (Sequelize asks for cls-hooked's interface: run, bind, get, set).
 * With it every query inside a unit joins the unit's transaction without being handed it:
 * a query that escaped would commit on its own on a server and wait forever on PGlite.
 */
export class TransactionNamespace {
  private readonly storage = new AsyncLocalStorage<Context>();

  run<T>(fn: (context: Context) => T): T {
    const context = Object.create(this.storage.getStore() ?? null) as Context;
    return this.storage.run(context, () => fn(context));
  }

  bind<F extends (...args: never[]) => unknown>(fn: F): F {
    return AsyncLocalStorage.bind(fn);
  }

  get(key: string): unknown {
    return this.storage.getStore()?.[key];
  }

  set(key: string, value: unknown): void {
    const store = this.storage.getStore();
    if (store) store[key] = value;
  }
}

export const namespace = new TransactionNamespace();
