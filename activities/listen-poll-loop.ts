// A worker-side loop that does its rounds when PostgreSQL tells it to (LISTEN on a channel the
// writers NOTIFY on commit) and at least every poll interval, which covers a lost connection or a
// missed NOTIFY. Used by the outbox dispatcher and the history archive sweeper.
import type pg from 'pg';

export interface ListenPollLoopOptions {
  /** A new, unconnected client for LISTEN: a session of its own that stays open. */
  connect: () => pg.Client;
  channel: string;
  /** One round; answers true when more is waiting (a full batch), to go on at once. */
  round: () => Promise<boolean>;
  /** The longest wait between rounds when no NOTIFY comes. */
  pollMs: number;
  /** How long after a NOTIFY the round starts (writers' rows may be due a moment later); default 0. */
  notifiedDelayMs?: number;
  onError?: (error: unknown) => void;
}

export interface ListenPollLoop {
  /** Ends the loop after the current round and closes the LISTEN connection. */
  stop(): Promise<void>;
}

export function startListenPollLoop(options: ListenPollLoopOptions): ListenPollLoop {
  const notifiedDelayMs = options.notifiedDelayMs ?? 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  let shorten: (() => void) | undefined;
  let woken = false;
  let listener: pg.Client | undefined;

  const nudge = () => {
    if (woken) return;
    woken = true;
    shorten?.();
  };
  const listen = async () => {
    const client = options.connect();
    client.on('notification', (message) => {
      if (message.channel === options.channel) nudge();
    });
    client.on('error', () => {
      if (listener === client) listener = undefined; // polling carries on; the next round reconnects
    });
    await client.connect();
    await client.query(`LISTEN ${options.channel}`);
    listener = client;
  };
  const idle = () =>
    new Promise<void>((resolve) => {
      if (stopped) return resolve();
      let timer = setTimeout(done, woken ? notifiedDelayMs : options.pollMs);
      wake = done;
      shorten = () => {
        clearTimeout(timer);
        timer = setTimeout(done, notifiedDelayMs);
      };
      function done() {
        clearTimeout(timer);
        wake = shorten = undefined;
        resolve();
      }
    });

  const loop = (async () => {
    while (!stopped) {
      if (!listener) await listen().catch((error) => options.onError?.(error));
      woken = false;
      let more = false;
      try {
        more = await options.round();
      } catch (error) {
        options.onError?.(error);
      }
      if (!more && !stopped) await idle();
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await listener?.end().catch(() => undefined);
      listener = undefined;
    },
  };
}
