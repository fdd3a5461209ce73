// Group commit: postings and holds that arrive within a short window (or until a group is full) share
// one statement of the fast path (fast-path.ts), hence one transaction and one fsync, instead of
// paying a commit each. Durability is unchanged: a caller's promise resolves only after the group's
// commit returned (synchronous_commit stays on).
//
// Each posting keeps its own answer. A refused posting (insufficient_funds, unknown_account, …)
// writes nothing and never fails its group mates. Should the group's statement fail as a whole (a
// fault, not a business refusal), its postings run again one by one, each with its own outcome.
// Within a group the postings apply in arrival order.
//
// LEDGER_GROUP_WINDOW_MS (default 1; 0 sends every posting at once, alone) and LEDGER_GROUP_MAX
// (default 100) set the window, LEDGER_GROUP_IN_FLIGHT (default unlimited) how many groups may be on
// their way at once (at the limit the next one gathers while they commit and goes the moment one
// returns); configureGroupCommit sets them per pool (tests, benchmarks).

import assert from 'node:assert/strict';
import { postBatch, type PostingOutcome } from './fast-path.js';
import { observeGroup } from './observer.js';
import type { Db, Entry } from './types.js';
import type { ValidatedEntry } from './validation.js';

export interface GroupCommitOptions {
  /** How long the first posting of a group waits for company, in milliseconds (0: no grouping). */
  windowMs: number;
  /** A group is sent at once when it has this many postings. */
  maxPostings: number;
  /**
   * At most this many groups are on their way at once; the next one gathers meanwhile and is sent
   * the moment one returns, without waiting for the window again (pipelining).
   */
  maxInFlight: number;
}

const DEFAULT_OPTIONS: GroupCommitOptions = {
  windowMs: Number(process.env.LEDGER_GROUP_WINDOW_MS ?? 1),
  maxPostings: Number(process.env.LEDGER_GROUP_MAX ?? 100),
  // Unlimited by default: measured (bench:ledger, 10 and 50 accounts, 20 workers) a limit changed
  // nothing there — every group already held all 20 waiting postings — and a limit lets one group
  // stuck behind a long-held account lock stall every other posting of the process.
  maxInFlight: Number(process.env.LEDGER_GROUP_IN_FLIGHT ?? Infinity),
};

interface Waiting {
  entry: ValidatedEntry;
  resolve: (entry: Entry) => void;
  reject: (error: unknown) => void;
}

function settle(waiting: Waiting, outcome: PostingOutcome): void {
  if (outcome.ok) waiting.resolve(outcome.entry);
  else waiting.reject(outcome.error);
}

class GroupCommit {
  private queue: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;

  constructor(
    private readonly db: Db,
    readonly options: GroupCommitOptions,
  ) {
    assert.ok(options.windowMs >= 0 && Number.isFinite(options.windowMs), 'windowMs ≥ 0');
    assert.ok(Number.isInteger(options.maxPostings) && options.maxPostings >= 1, 'maxPostings ≥ 1');
    assert.ok(options.maxInFlight >= 1, 'maxInFlight ≥ 1');
  }

  submit(entry: ValidatedEntry): Promise<Entry> {
    return new Promise<Entry>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (this.options.windowMs === 0 || this.queue.length >= this.options.maxPostings) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
    });
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    // Without a window nothing is grouped, so nothing waits for a slot either.
    const unlimited = this.options.windowMs === 0;
    while (this.queue.length > 0 && (unlimited || this.inFlight < this.options.maxInFlight)) {
      const group = this.queue.splice(0, this.options.maxPostings);
      this.inFlight += 1;
      void this.send(group).finally(() => {
        const atLimit = this.inFlight === this.options.maxInFlight;
        this.inFlight -= 1;
        // What gathered while every slot was taken has waited long enough: it goes now, as one group.
        if (atLimit && this.queue.length > 0) this.flush();
      });
    }
  }

  private async send(group: Waiting[]): Promise<void> {
    const startedAt = performance.now();
    const observe = (ok: (i: number) => boolean, failed = false) =>
      observeGroup({
        size: group.length,
        durationMs: performance.now() - startedAt,
        failed,
        postings: group.map((waiting, i) => ({ kind: waiting.entry.common.kind, ok: ok(i) })),
      });
    let outcomes: PostingOutcome[];
    try {
      outcomes = await postBatch(
        this.db,
        group.map((waiting) => waiting.entry),
      );
    } catch (error) {
      if (group.length === 1) {
        observe(() => false, true);
        return group[0]!.reject(error);
      }
      // The group failed as a whole: one by one, in order, so a fault stays with its own posting.
      const recorded: boolean[] = [];
      for (const waiting of group) {
        try {
          const [outcome] = await postBatch(this.db, [waiting.entry]);
          assert.ok(outcome);
          recorded.push(outcome.ok);
          settle(waiting, outcome);
        } catch (alone) {
          recorded.push(false);
          waiting.reject(alone);
        }
      }
      observe((i) => recorded[i] === true, true);
      return;
    }
    observe((i) => outcomes[i]?.ok === true);
    group.forEach((waiting, i) => settle(waiting, outcomes[i]!));
  }
}

const groups = new WeakMap<Db, GroupCommit>();

/** The pool's group committer (created on first use with the environment's options). */
export function groupCommitFor(db: Db): GroupCommit {
  let group = groups.get(db);
  if (group === undefined) {
    group = new GroupCommit(db, DEFAULT_OPTIONS);
    groups.set(db, group);
  }
  return group;
}

/** Sets the window of this pool's group commit (postings already waiting go with the old one). */
export function configureGroupCommit(db: Db, options: Partial<GroupCommitOptions>): void {
  const current = groups.get(db)?.options ?? DEFAULT_OPTIONS;
  groups.set(db, new GroupCommit(db, { ...current, ...options }));
}

/** Records one validated posting or hold through the pool's group commit. */
export function recordGrouped(db: Db, entry: ValidatedEntry): Promise<Entry> {
  return groupCommitFor(db).submit(entry);
}
