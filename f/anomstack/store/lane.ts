// One connection, one statement at a time: calls wait their turn, and calls made inside a transaction's
// function join that transaction (so a concurrent caller neither interleaves with it nor is rolled back
// with it). Shared by the stores whose client holds a single connection (SQLite, ClickHouse).
//nobundling
import { AsyncLocalStorage } from "node:async_hooks";

export class Lane<Tx> {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly current = new AsyncLocalStorage<Tx>();

  /** The transaction the caller runs inside, if any. */
  get transaction(): Tx | undefined {
    return this.current.getStore();
  }

  /** Run `op` now inside a transaction, else after every earlier call has finished. */
  run<T>(op: (tx: Tx | undefined) => Promise<T>): Promise<T> {
    const tx = this.current.getStore();
    if (tx !== undefined) return op(tx);
    const next = this.tail.then(() => op(undefined));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * Run `fn` in a transaction opened by `begin`: committed when it resolves, rolled back when it throws.
   * Nested calls join the outer transaction.
   */
  inTransaction<T>(
    begin: () => Promise<Tx>,
    commit: (tx: Tx) => Promise<void>,
    rollback: (tx: Tx) => Promise<void>,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (this.current.getStore() !== undefined) return fn();
    return this.run(async () => {
      const tx = await begin();
      try {
        const out = await this.current.run(tx, fn);
        await commit(tx);
        return out;
      } catch (e) {
        await rollback(tx).catch(() => undefined);
        throw e;
      }
    });
  }

  /** Wait for every call queued so far. */
  async drain(): Promise<void> {
    await this.tail;
  }
}
