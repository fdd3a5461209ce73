// The archive sweeper: archives the history of every closed lifecycle (table history_archive_due)
// from inside the worker process, instead of a child workflow per lifecycle (issue 15: the child
// cost each lifecycle a workflow start, two workflow tasks and an activity task on the server).
//
// Each round takes a batch of due rows (FOR UPDATE SKIP LOCKED, so several workers share the work;
// taking a row leases it, so a sweeper that died mid-way leaves it to the next round), fetches each
// run's history once, archives it if it has closed (activities/history-archive.ts archiveIfClosed)
// and deletes the rows it archived. A run still open (its last workflow task has not completed yet)
// or a failed try is postponed with a growing delay. LISTEN `history_archive_due` wakes it at each
// commit; a poll covers a lost connection or a missed NOTIFY. Durability: the row is written with
// the closing transition and deleted only after the archive row committed, so a crash anywhere
// leaves it for the next round; archiving is idempotent per run.
import pg from 'pg';
import type { Client } from '@temporalio/client';
import {
  ARCHIVE_DUE_CHANNEL,
  postponeHistoryArchive,
  settleHistoryArchive,
  takeDueArchives,
  type ArchiveDue,
} from '../db/history/archive-due.js';
import { archiveIfClosed } from './history-archive.js';
import { startListenPollLoop } from './listen-poll-loop.js';

export interface ArchiveSweeperOptions {
  pool: pg.Pool;
  temporal: () => Promise<Client>;
  /** Rows per round. */
  batchSize?: number;
  /** Histories fetched at once within a round. */
  concurrency?: number;
  /** The longest wait between rounds when no NOTIFY comes. */
  pollMs?: number;
  onError?: (error: unknown) => void;
}

export interface ArchiveSweeper {
  /** One round now; answers how many rows it took. */
  sweepOnce(): Promise<number>;
  /** Ends the loop after the current round and closes the LISTEN connection. */
  stop(): Promise<void>;
}

const DEFAULT_BATCH_SIZE = 50;
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_POLL_MS = 1000;
/** A taken row is due again after this if its sweeper never came back (died, hung on Temporal). */
const LEASE_MS = 60_000;
/** After the n-th try found the run open or failed: 250 ms, 500 ms, 1 s … at most 30 s. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000, 250 * 2 ** Math.max(0, Math.min(attempts - 1, 16)));
}

export function createArchiveSweeper(options: ArchiveSweeperOptions): Pick<ArchiveSweeper, 'sweepOnce'> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!(batchSize >= 1 && batchSize <= 1000)) throw new Error(`batchSize ${batchSize} out of [1, 1000]`);

  /** true when the row is paid (archived, or nothing left in Temporal to archive). */
  async function archiveOne(client: Client, due: ArchiveDue): Promise<boolean> {
    try {
      const result = await archiveIfClosed(options.pool, client, due.workflowId, due.runId);
      if (result !== 'running') return true;
      await postponeHistoryArchive(options.pool, due.workflowId, retryDelayMs(due.attempts), null);
    } catch (error) {
      options.onError?.(error);
      const message = (error as Error)?.message ?? String(error);
      await postponeHistoryArchive(options.pool, due.workflowId, retryDelayMs(due.attempts), message).catch(
        () => undefined, // the lease brings it back
      );
    }
    return false;
  }

  return {
    async sweepOnce() {
      const taken = await takeDueArchives(options.pool, batchSize, LEASE_MS);
      if (taken.length === 0) return 0;
      const client = await options.temporal();
      const paid: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, taken.length) }, async () => {
          while (next < taken.length) {
            const due = taken[next++]!;
            if (await archiveOne(client, due)) paid.push(due.workflowId);
          }
        }),
      );
      await settleHistoryArchive(options.pool, paid);
      return taken.length;
    },
  };
}

/** Runs the sweeper until stop(): a round soon after every NOTIFY, and at least every pollMs. */
export function startArchiveSweeper(options: ArchiveSweeperOptions): ArchiveSweeper {
  const sweeper = createArchiveSweeper(options);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const loop = startListenPollLoop({
    // Its own connection, configured as the pool's.
    connect: () => new pg.Client(options.pool.options),
    channel: ARCHIVE_DUE_CHANNEL,
    // A full batch means more are waiting: go on at once.
    round: async () => (await sweeper.sweepOnce()) >= batchSize,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    // A new row is due a moment after its commit (db/history/archive-due.ts): a NOTIFY shortens the
    // wait to about that moment, and closings in a burst are taken in one round.
    notifiedDelayMs: 250,
    onError: options.onError,
  });
  return { sweepOnce: sweeper.sweepOnce, stop: loop.stop };
}
