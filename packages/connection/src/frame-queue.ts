/**
 * An async queue of incoming items with a terminal state: items first, then either the end or the
 * error, so that nothing received before an error is lost (SPEC 7.2).
 */
export class FrameQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #head = 0;
  #waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | null = null;
  #finished = false;
  #error: unknown = null;
  readonly #onDrain: () => void;
  readonly #lowWater: number;

  /** `onDrain` runs when a consumer takes the queue down to `lowWater` items (to resume reading). */
  constructor(lowWater: number, onDrain: () => void) {
    this.#lowWater = lowWater;
    this.#onDrain = onDrain;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    if (this.#finished) return;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter.resolve({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  /** No more items; after the queued ones, iteration ends (or throws `error`). */
  finish(error: unknown = null): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#error = error;
    const waiter = this.#waiter;
    if (waiter !== null && this.size === 0) {
      this.#waiter = null;
      if (error !== null) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const item = this.#items[this.#head]!;
      this.#items[this.#head++] = undefined as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (this.size === this.#lowWater) this.#onDrain();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#finished) {
      return this.#error !== null ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next(), return: () => Promise.resolve({ value: undefined, done: true }) };
  }
}
