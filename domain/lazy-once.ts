// A value made by an async step on first use and kept, made again only after the step failed: the
// server's Remix handler, the queue board, the shared notification queues, the replay bundle and
// the archive sweeper's Temporal client are each opened so. One place for the "forget a failure,
// keep a success" rule, so a rejected promise is never handed out twice and a success never redone.

export interface LazyOnce<T> {
  /** The value, made now if nothing is made or making it failed. */
  get(): Promise<T>;
  /** What was made or is being made (undefined before the first `get` or after `forget`). */
  current(): Promise<T> | undefined;
  /** Drops what was made: the next `get` makes it again (a close, a reset). */
  forget(): void;
}

export function lazyOnce<T>(make: () => Promise<T>): LazyOnce<T> {
  let made: Promise<T> | undefined;
  return {
    get() {
      if (!made) {
        const making = make();
        made = making;
        making.catch(() => {
          if (made === making) made = undefined;
        });
      }
      return made;
    },
    current: () => made,
    forget() {
      made = undefined;
    },
  };
}
