/**
 * An async queue of incoming items with a terminal state: items first, then either the end or the
 * error, so that nothing received before an error is lost (SPEC 7.2).
 */
export class FrameQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  /** What each queued item costs its owner (octets of memory, say), in step with #items. */
  #costs: number[] = [];
  #head = 0;
  /** Consumers waiting, in the order they asked: several may (workers sharing one iterator). */
  #waiters: Array<{ resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }> = [];
  #finished = false;
  #error: unknown = null;
  #endHanded = false;
  #onEndHanded: Array<() => void> = [];
  readonly #onTake: (item: T, cost: number) => void;

  /**
   * `onTake` runs for every item a consumer takes, with the cost it was pushed with (the owner's
   * flow control: uncount it, resume reading).
   */
  constructor(onTake: (item: T, cost: number) => void = () => undefined) {
    this.#onTake = onTake;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** True while a consumer waits for the next item. */
  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  push(item: T, cost = 0): void {
    if (this.#finished) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      // Taken at once by the waiting consumer: taken all the same (the owner's count must drop).
      this.#onTake(item, cost);
      waiter.resolve({ value: item, done: false });
    } else {
      this.#items.push(item);
      this.#costs.push(cost);
    }
  }

  /** Adds `delta` to the cost of `item` if it is the last item queued and still unread; returns whether it did. */
  addCost(item: T, delta: number): boolean {
    const last = this.#items.length - 1;
    if (last < this.#head || this.#items[last] !== item) return false;
    this.#costs[last]! += delta;
    return true;
  }

  /** Takes every queued item out unread (each counted off with onTake), and returns how many there were. */
  drop(): number {
    const dropped = this.size;
    while (this.size > 0) this.#onTake(this.#items[this.#head]!, this.#costs[this.#head++]!);
    this.#items = [];
    this.#costs = [];
    this.#head = 0;
    return dropped;
  }

  /** No more items; after the queued ones, iteration ends (or throws `error`). */
  finish(error: unknown = null): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#error = error;
    // Waiters exist only while no item is queued: every one of them sees the end (or the error).
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (error !== null) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
    if (waiters.length > 0) this.#handEnd();
  }

  /** Resolves once a consumer has been handed the end (or the error), having taken every item before it. */
  endHanded(): Promise<void> {
    if (this.#endHanded) return Promise.resolve();
    return new Promise((resolve) => this.#onEndHanded.push(resolve));
  }

  #handEnd(): void {
    if (this.#endHanded) return;
    this.#endHanded = true;
    for (const resolve of this.#onEndHanded) resolve();
    this.#onEndHanded = [];
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const item = this.#items[this.#head]!;
      const cost = this.#costs[this.#head]!;
      this.#items[this.#head++] = undefined as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#costs = this.#costs.slice(this.#head);
        this.#head = 0;
      }
      this.#onTake(item, cost);
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#finished) {
      this.#handEnd();
      return this.#error !== null ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next(), return: () => Promise.resolve({ value: undefined, done: true }) };
  }
}
