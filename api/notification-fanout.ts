// One LISTEN connection per process and channel, fanned out to every open Server-Sent Events stream
// that follows one key of it (a workflow id, an instrument symbol, a user id): the timelines
// (live-updates.ts), the market streams (services/market.ts) and the notification bell
// (services/notifications.ts).
//
// The connection can break (PostgreSQL restarted, pg_terminate_backend, a network cut). Open streams
// are not told, and a browser's EventSource reconnects only when its stream ends, so a fan-out that
// merely forgot the connection left every open stream silent for good. While anybody still follows
// a key it is connected again (at once, then with a growing pause), and every followed key is told
// "changed" once it is back: what was notified while it was down is lost, so the streams reload.
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';

export interface FanoutListener {
  /** Ends the dedicated connection; never throws. */
  close(): Promise<void>;
}

/** Opens one dedicated LISTEN connection that reports each notification's key, and its own breaking. */
export type Listen = (handlers: {
  onNotification: (key: string) => void;
  onError: (error: Error) => void;
}) => Promise<FanoutListener>;

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5000;

/** Every fan-out of this process by name, for the subscriber gauge of /metrics. */
const live = new Map<string, NotificationFanout>();

/** Open subscriptions per fan-out name (clearhouse_sse_subscribers). */
export function fanoutSubscribers(): { name: string; subscribers: number }[] {
  return [...live].map(([name, fanout]) => ({ name, subscribers: fanout.subscribers }));
}

export class NotificationFanout {
  readonly #emitter = new EventEmitter();
  #listener: FanoutListener | undefined;
  #connecting: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly listen: Listen,
  ) {
    this.#emitter.setMaxListeners(0);
    live.set(name, this);
  }

  /** Subscriptions open right now, over every key. */
  get subscribers(): number {
    return this.#emitter.eventNames().reduce((n, key) => n + this.#emitter.listenerCount(key), 0);
  }

  /** Calls `onChange` after every notification of `key` (and once after a reconnection); answers the unsubscribe. */
  async subscribe(key: string, onChange: () => void): Promise<() => void> {
    if (!this.#listener) await this.#connect();
    this.#emitter.on(key, onChange);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#emitter.off(key, onChange);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    if (live.get(this.name) === this) live.delete(this.name);
    await this.#connecting?.catch(() => undefined);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close();
  }

  #connect(): Promise<void> {
    this.#connecting ??= (async () => {
      let broke = false;
      let self: FanoutListener | undefined;
      const listener = await this.listen({
        onNotification: (key) => this.#emitter.emit(key),
        onError: () => {
          broke = true;
          if (self && this.#listener === self) this.#lost(self);
        },
      });
      self = listener;
      if (broke || this.#closed) {
        await listener.close();
        throw new Error(this.#closed ? `${this.name}: closed` : `${this.name}: LISTEN broke at once`);
      }
      this.#listener = listener;
      this.#failures = 0;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #lost(listener: FanoutListener): void {
    this.#listener = undefined;
    void listener.close(); // the broken client's socket is released, not left to the GC
    this.#reconnectSoon();
  }

  #reconnectSoon(): void {
    if (this.#retry || this.#closed || this.subscribers === 0) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** this.#failures);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (this.#closed || this.subscribers === 0) return;
      const reconnect = this.#listener ? Promise.resolve() : this.#connect();
      reconnect.then(
        () => {
          for (const key of this.#emitter.eventNames()) this.#emitter.emit(key);
        },
        () => {
          this.#failures += 1;
          this.#reconnectSoon();
        },
      );
    }, delay);
    // A process that is shutting down does not wait for a reconnection.
    this.#retry.unref();
  }
}

const HEARTBEAT_MS = 15_000;

/**
 * Keeps an SSE response open on one subscription: `subscribe` is made, a keep-alive comment goes out
 * every `heartbeatMs`, and when the client leaves, `onClose` runs and both end. A client that left
 * while the subscription was still being made (the first stream of a process waits for the LISTEN
 * connection) is unsubscribed at once instead of being followed forever. Answers whether the stream
 * is still open (then send the first event).
 */
export async function holdStreamOpen(
  req: Request,
  res: Response,
  subscribe: () => Promise<() => void>,
  onClose: () => void,
  heartbeatMs = HEARTBEAT_MS,
): Promise<boolean> {
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  req.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    unsubscribe?.();
    onClose();
  });
  const off = await subscribe();
  if (closed) {
    off();
    return false;
  }
  unsubscribe = off;
  heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
  return true;
}
