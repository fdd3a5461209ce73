// A seam for metrics: the group commit tells one listener what each group did (its size, how long its
// statement took, which postings were refused). No listener by default; api/metrics.ts sets one in
// the server and in the worker. Kept free of prom-client so the ledger has no opinion on exporters.

export interface GroupObservation {
  /** Postings and holds that shared the statement. */
  size: number;
  /** Wall-clock time of the group's statement(s), from send to the last outcome. */
  durationMs: number;
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
