// A seam for metrics: the group commit tells one listener what each group did (its size, how long its
// statement took, which postings were refused). No listener by default; api/metrics.ts sets one in
// the server and in the worker. Kept free of prom-client so the ledger has no opinion on exporters.

export interface GroupObservation {
  /** Postings and holds that shared the statement. */
  size: number;
  /** Wall-clock time of the group's statement(s), from send to the last outcome. */
  durationMs: number;
  /** The group's statement failed as a whole (a database fault, not a refusal); it was then sent one by one. */
  failed?: boolean;
  /** Per posting: its kind and whether it was recorded (false: refused, or failed with the group). */
  postings: { kind: string; ok: boolean }[];
}

type Listener = (observation: GroupObservation) => void;

let listener: Listener | null = null;

export function setLedgerObserver(next: Listener | null): void {
  listener = next;
}

/** Called by the group commit; a listener that throws never fails a posting. */
export function observeGroup(observation: GroupObservation): void {
  if (listener === null) return;
  try {
    listener(observation);
  } catch {
    // Metrics are best effort.
  }
}

// ---- postings made inside a caller's transaction (inLedgerTransaction: the venue's fills, holds) ----
// They never pass the group commit, so they report here instead: per call its entry kind (the
// recipe), how long the call took inside the unit, and whether it counts as recorded. That is known
// only when the unit ends: a call that succeeded is still undone by a unit that rolls back, or by a
// lost race after which the unit runs again (its first attempt's calls then count as refused).

export interface UnitPostingObservation {
  kind: string;
  durationMs: number;
  /** True only when the call succeeded and its unit committed. */
  ok: boolean;
}

type UnitListener = (postings: UnitPostingObservation[]) => void;

let unitListener: UnitListener | null = null;

export function setUnitPostingObserver(next: UnitListener | null): void {
  unitListener = next;
}

/** The calls of one inLedgerTransaction unit, timed as they run and reported when it ends. */
export class UnitPostings {
  #attempt: { kind: string; durationMs: number; ok: boolean }[] = [];

  /** Runs one ledger call of the unit, timing it under `kind`. */
  async time<T>(kind: string, call: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    let ok = false;
    try {
      const result = await call();
      ok = true;
      return result;
    } finally {
      this.#attempt.push({ kind, durationMs: performance.now() - startedAt, ok });
    }
  }

  /** A new attempt of the unit begins: whatever the previous one made was rolled back. */
  restart(): void {
    this.#report(false);
  }

  /** Reports the unit's calls once `unit` settled: recorded if it committed, refused otherwise. */
  async settle<T>(unit: Promise<T>): Promise<T> {
    try {
      const result = await unit;
      this.#report(true);
      return result;
    } catch (error) {
      this.#report(false);
      throw error;
    }
  }

  #report(committed: boolean): void {
    const made = this.#attempt;
    this.#attempt = [];
    if (unitListener === null || made.length === 0) return;
    try {
      unitListener(made.map((call) => ({ ...call, ok: call.ok && committed })));
    } catch {
      // Metrics are best effort.
    }
  }
}

// ---- pool-level calls with a transaction of their own (postHold, voidHold, reverseEntry, postEntries,
// expireHolds) ----
// They pass neither the group commit nor a caller's unit, so they report here: per call what it
// posted (one kind per entry: postEntries writes several), how long the whole call took, and whether
// it committed. A replay of a key already recorded counts as recorded: the entry is there.

/** Which pool-level call posted; the metrics' `path`. An expiry sweep reports once per hold it resolves. */
export type PoolCall = 'post_hold' | 'void_hold' | 'reverse_entry' | 'post_entries' | 'expire_hold';

export interface PoolCallObservation {
  call: PoolCall;
  /** The entry kind of each posting the call made (or tried to). */
  kinds: string[];
  durationMs: number;
  /** True when the call returned (its transaction committed); false when it threw. */
  ok: boolean;
}

type PoolCallListener = (observation: PoolCallObservation) => void;

let poolCallListener: PoolCallListener | null = null;

export function setPoolCallObserver(next: PoolCallListener | null): void {
  poolCallListener = next;
}

/** Runs one pool-level ledger call, timed, and reports it whether it returned or threw. */
export async function observePoolCall<T>(
  call: PoolCall,
  kinds: readonly string[],
  run: () => Promise<T>,
): Promise<T> {
  const startedAt = performance.now();
  let ok = false;
  try {
    const result = await run();
    ok = true;
    return result;
  } finally {
    if (poolCallListener !== null) {
      try {
        poolCallListener({ call, kinds: [...kinds], durationMs: performance.now() - startedAt, ok });
      } catch {
        // Metrics are best effort.
      }
    }
  }
}
