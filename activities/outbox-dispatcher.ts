// The outbox dispatcher: moves committed outbox events (db/outbox) into the BullMQ `events` queue.
// Each round locks a batch (FOR UPDATE SKIP LOCKED, so several dispatchers share the work), adds one
// job per event with job id = event id, then marks the batch dispatched and commits. A crash before
// the adds leaves the rows to the next round; a crash after them, before the commit, adds the same
// job ids again, which BullMQ ignores while it knows them (queues.ts KEEP_JOBS) — so every event is
// published at least once and consumed once. LISTEN `outbox` wakes it at each commit; a poll covers
// a lost connection or a missed NOTIFY.
import pg from 'pg';
import type { Queue } from 'bullmq';
import { OUTBOX_CHANNEL, lockPendingEvents, markDispatched, type OutboxEvent } from '../db/outbox/index.js';
import { inTransaction } from '../db/pool.js';
import { startListenPollLoop } from './listen-poll-loop.js';
import type { EventJob } from '../db/outbox/queues.js';

export interface OutboxDispatcherOptions {
  pool: pg.Pool;
  /** For the dedicated LISTEN connection. */
  databaseUrl: string;
  queue: Queue;
  /** Events per round (one transaction, one addBulk). */
  batchSize?: number;
  /** The longest wait between rounds when no NOTIFY comes. */
  pollMs?: number;
  /** Called after the jobs were added and before the batch is marked (tests crash here). */
  onEnqueued?: (events: OutboxEvent[]) => void | Promise<void>;
  onError?: (error: unknown) => void;
  /** Only the events of these owners, read each round (tests sharing a database); default all. */
  ownerIds?: () => readonly string[];
}

export interface OutboxDispatcher {
  /** One round now; answers how many events it moved. */
  dispatchOnce(): Promise<number>;
  /** Ends the loop after the current round and closes the LISTEN connection. */
  stop(): Promise<void>;
}

const DEFAULT_BATCH_SIZE = 200;
const DEFAULT_POLL_MS = 1000;

export function createOutboxDispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!(batchSize >= 1 && batchSize <= 1000)) throw new Error(`batchSize ${batchSize} out of [1, 1000]`);
  return {
    dispatchOnce: () =>
      inTransaction(options.pool, async (client) => {
        const events = await lockPendingEvents(client, batchSize, options.ownerIds?.() ?? null);
        if (events.length === 0) return 0;
        await options.queue.addBulk(
          events.map((event) => ({
            name: event.type,
            data: event satisfies EventJob,
            opts: { jobId: event.id },
          })),
        );
        await options.onEnqueued?.(events);
        await markDispatched(
          client,
          events.map((event) => event.id),
        );
        return events.length;
      }),
    stop: async () => undefined,
  };
}

/** Runs the dispatcher until stop(): a round after every NOTIFY, and at least every pollMs. */
export function startOutboxDispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const dispatcher = createOutboxDispatcher(options);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const loop = startListenPollLoop({
    connect: () => new pg.Client({ connectionString: options.databaseUrl }),
    channel: OUTBOX_CHANNEL,
    // A full batch means more are waiting: go on at once.
    round: async () => (await dispatcher.dispatchOnce()) >= batchSize,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    onError: options.onError,
  });
  return { dispatchOnce: dispatcher.dispatchOnce, stop: loop.stop };
}
