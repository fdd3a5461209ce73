// Matching a statement's lines against the ledger's movements of one omnibus account, as pure
// functions over plain records (the activity loads them from PostgreSQL and stores the outcome).
// Rules run in a fixed order, each over what the ones before left unmatched:
//
//   1. exact            same amount, a reference in common, dates within the window
//   2. one_to_many      one line = the sum of 2..maxGroupSize movements sharing its reference
//   3. many_to_one      2..maxGroupSize lines sharing a reference = one movement of it
//   4. tolerance        a reference in common, amounts differ by at most the tolerance
//   5. amount_date      no reference in common: same amount, dates within the window (closest first)
//   6. pending_deposit  an incoming credit whose reference names a PENDING deposit
//   7. amount_mismatch  a reference in common but amounts too far apart: a break of the pair
//   ...and the rest: one unmatched_statement_line / unmatched_ledger_item break each.
//
// Amounts are signed from the bank account's side: a credit on the statement (money in) is a debit
// of our omnibus asset account, so a movement's amount is its debit less its credit. Days are
// integers (days since 1970-01-01). Every index is a Map, so a 100,000-line statement costs
// O(n log n), never n × m.
//
// The largest statement the activity accepts (1,000,000 lines against as many movements) takes 5 to
// 8 s of one core. matchSteps is the same computation paused every MATCH_STEP_ROWS records, so the
// activity can heartbeat and let its event loop run meanwhile (a heartbeat leaves a TypeScript worker
// only once its event loop turns); matchStatement runs it through without pausing.

export const MATCH_RULES = [
  'exact',
  'one_to_many',
  'many_to_one',
  'tolerance',
  'amount_date',
  'pending_deposit',
] as const;
export type MatchRule = (typeof MATCH_RULES)[number];

export const BREAK_KINDS = [
  'unmatched_statement_line',
  'unmatched_ledger_item',
  'amount_mismatch',
  'statement_inconsistent',
] as const;
export type BreakKind = (typeof BREAK_KINDS)[number];

export interface MatchLine {
  id: string;
  amountMinor: bigint;
  /** Booking and value day (days since the epoch). */
  bookedDay: number;
  valueDay: number;
  /** Normalised references (see referenceKeys). */
  references: readonly string[];
}

export interface MatchItem {
  id: string;
  amountMinor: bigint;
  day: number;
  references: readonly string[];
}

export interface PendingDeposit {
  depositId: string;
  reference: string;
}

export interface MatchOptions {
  toleranceMinor: bigint;
  dateWindowDays: number;
  dateBasis: 'booked' | 'value';
  oneToMany: boolean;
  manyToOne: boolean;
  maxGroupSize: number;
}

export interface Match {
  rule: MatchRule;
  lineIds: string[];
  itemIds: string[];
  /** Lines less items: non-zero only for `tolerance`. */
  differenceMinor: bigint;
  /** For pending_deposit: the deposit the line names. */
  depositId?: string;
}

export interface FoundBreak {
  kind: Exclude<BreakKind, 'statement_inconsistent'>;
  lineIds: string[];
  itemIds: string[];
  differenceMinor: bigint;
}

export interface MatchOutcome {
  matches: Match[];
  breaks: FoundBreak[];
}

const DAY_MS = 86_400_000;

/** "2024-05-07" as days since 1970-01-01. */
export function dayNumber(isoDay: string): number {
  const ms = Date.parse(`${isoDay.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new TypeError(`not a day: ${isoDay}`);
  return Math.floor(ms / DAY_MS);
}

/** A reference as compared: upper case, without blanks. */
export function normaliseReference(text: string): string {
  return text.toUpperCase().replace(/\s+/g, '');
}

const DEPOSIT_REFERENCE_IN_TEXT = /\bCH-[0-9A-HJKMNP-TV-Z]{10}\b/g;
const PAYOUT_ID_IN_TEXT = /\bCHW[0-9A-F]{32}\b/g;

/**
 * The keys a line can match by: its own reference, and any of our references (deposit wire
 * references, payout ids) named inside its free text, where banks often put them.
 */
export function referenceKeys(reference: string | null, text: string): string[] {
  const keys = new Set<string>();
  if (reference) keys.add(normaliseReference(reference));
  const upper = text.toUpperCase();
  for (const found of upper.matchAll(DEPOSIT_REFERENCE_IN_TEXT)) keys.add(found[0]);
  for (const found of upper.matchAll(PAYOUT_ID_IN_TEXT)) keys.add(found[0]);
  keys.delete('');
  keys.delete('NONREF');
  keys.delete('NOTPROVIDED');
  return [...keys];
}

/** Records a pass looks at between two pauses of matchSteps: a few milliseconds of work. */
export const MATCH_STEP_ROWS = 5_000;

/** Where matchSteps paused: the pass, and the records every pass so far has looked at. */
export interface MatchProgress {
  pass: string;
  done: number;
}

export type MatchSteps = Generator<MatchProgress, MatchOutcome, undefined>;

export function matchStatement(
  lines: readonly MatchLine[],
  items: readonly MatchItem[],
  options: MatchOptions,
  pendingDeposits: readonly PendingDeposit[] = [],
): MatchOutcome {
  const steps = matchSteps(lines, items, options, pendingDeposits);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** matchStatement, pausing (yielding its progress) after every MATCH_STEP_ROWS records. */
export function* matchSteps(
  lines: readonly MatchLine[],
  items: readonly MatchItem[],
  options: MatchOptions,
  pendingDeposits: readonly PendingDeposit[] = [],
): MatchSteps {
  const state = new MatchState(lines, items, options);
  yield* state.index();
  yield* state.exact();
  if (options.oneToMany) yield* state.oneToMany();
  if (options.manyToOne) yield* state.manyToOne();
  yield* state.tolerance();
  yield* state.amountDate();
  yield* state.pendingDeposits(pendingDeposits);
  yield* state.amountMismatches();
  const outcome = yield* state.outcome();
  yield* state.check(outcome);
  return outcome;
}

type Pass = Generator<MatchProgress, void, undefined>;

class MatchState {
  private readonly lineTaken = new Set<string>();
  private readonly itemTaken = new Set<string>();
  private readonly itemsByRef = new Map<string, MatchItem[]>();
  private readonly linesByRef = new Map<string, MatchLine[]>();
  readonly matches: Match[] = [];
  readonly breaks: FoundBreak[] = [];
  /** Records looked at by every pass so far; a pause after every MATCH_STEP_ROWS of them. */
  private done = 0;

  constructor(
    private readonly lines: readonly MatchLine[],
    private readonly items: readonly MatchItem[],
    private readonly options: MatchOptions,
  ) {}

  /** True when the pass looking at one more record should pause. */
  private tick(): boolean {
    return ++this.done % MATCH_STEP_ROWS === 0;
  }

  private progress(pass: string): MatchProgress {
    return { pass, done: this.done };
  }

  *index(): Pass {
    for (const item of this.items) {
      for (const ref of item.references) push(this.itemsByRef, ref, item);
      if (this.tick()) yield this.progress('index');
    }
    for (const line of this.lines) {
      for (const ref of line.references) push(this.linesByRef, ref, line);
      if (this.tick()) yield this.progress('index');
    }
  }

  private dayOf(line: MatchLine): number {
    return this.options.dateBasis === 'value' ? line.valueDay : line.bookedDay;
  }

  private inWindow(line: MatchLine, item: MatchItem): boolean {
    return Math.abs(this.dayOf(line) - item.day) <= this.options.dateWindowDays;
  }

  private freeItemsOf(line: MatchLine): MatchItem[] {
    const found = new Map<string, MatchItem>();
    for (const ref of line.references)
      for (const item of this.itemsByRef.get(ref) ?? [])
        if (!this.itemTaken.has(item.id)) found.set(item.id, item);
    return [...found.values()];
  }

  private take(rule: MatchRule, lines: MatchLine[], items: MatchItem[], extra: Partial<Match> = {}): void {
    for (const line of lines) this.lineTaken.add(line.id);
    for (const item of items) this.itemTaken.add(item.id);
    this.matches.push({
      rule,
      lineIds: lines.map((l) => l.id),
      itemIds: items.map((i) => i.id),
      differenceMinor: sum(lines) - sum(items),
      ...extra,
    });
  }

  private closest(line: MatchLine, candidates: MatchItem[]): MatchItem | undefined {
    let best: MatchItem | undefined;
    for (const item of candidates) {
      if (!best) best = item;
      else {
        const d = Math.abs(this.dayOf(line) - item.day);
        const b = Math.abs(this.dayOf(line) - best.day);
        if (d < b || (d === b && item.id < best.id)) best = item;
      }
    }
    return best;
  }

  *exact(): Pass {
    for (const line of this.lines) {
      if (this.tick()) yield this.progress('exact');
      if (this.lineTaken.has(line.id)) continue;
      const candidates = this.freeItemsOf(line).filter(
        (item) => item.amountMinor === line.amountMinor && this.inWindow(line, item),
      );
      const best = this.closest(line, candidates);
      if (best) this.take('exact', [line], [best]);
    }
  }

  *oneToMany(): Pass {
    for (const line of this.lines) {
      if (this.tick()) yield this.progress('one_to_many');
      if (this.lineTaken.has(line.id)) continue;
      const group = this.freeItemsOf(line).filter((item) => this.inWindow(line, item));
      if (group.length < 2 || group.length > this.options.maxGroupSize) continue;
      if (sum(group) === line.amountMinor) this.take('one_to_many', [line], group);
    }
  }

  *manyToOne(): Pass {
    for (const item of this.items) {
      if (this.tick()) yield this.progress('many_to_one');
      if (this.itemTaken.has(item.id)) continue;
      for (const ref of item.references) {
        const group = (this.linesByRef.get(ref) ?? []).filter(
          (line) => !this.lineTaken.has(line.id) && this.inWindow(line, item),
        );
        if (group.length < 2 || group.length > this.options.maxGroupSize) continue;
        if (sum(group) === item.amountMinor) {
          this.take('many_to_one', group, [item]);
          break;
        }
      }
    }
  }

  *tolerance(): Pass {
    if (this.options.toleranceMinor <= 0n) return;
    for (const line of this.lines) {
      if (this.tick()) yield this.progress('tolerance');
      if (this.lineTaken.has(line.id)) continue;
      const candidates = this.freeItemsOf(line).filter(
        (item) =>
          sameSign(item.amountMinor, line.amountMinor) &&
          abs(item.amountMinor - line.amountMinor) <= this.options.toleranceMinor &&
          this.inWindow(line, item),
      );
      const best = this.closest(line, candidates);
      if (best) this.take('tolerance', [line], [best]);
    }
  }

  *amountDate(): Pass {
    const byAmount = new Map<bigint, MatchItem[]>();
    for (const item of this.items) {
      if (this.tick()) yield this.progress('amount_date');
      if (!this.itemTaken.has(item.id)) push(byAmount, item.amountMinor, item);
    }
    for (const line of this.lines) {
      if (this.tick()) yield this.progress('amount_date');
      if (this.lineTaken.has(line.id)) continue;
      const candidates = (byAmount.get(line.amountMinor) ?? []).filter(
        (item) => !this.itemTaken.has(item.id) && this.inWindow(line, item),
      );
      const best = this.closest(line, candidates);
      if (best) this.take('amount_date', [line], [best]);
    }
  }

  *pendingDeposits(deposits: readonly PendingDeposit[]): Pass {
    const byReference = new Map(deposits.map((d) => [normaliseReference(d.reference), d]));
    const claimed = new Set<string>();
    for (const line of this.lines) {
      if (this.tick()) yield this.progress('pending_deposit');
      if (this.lineTaken.has(line.id) || line.amountMinor <= 0n) continue;
      const deposit = line.references
        .map((r) => byReference.get(r))
        .find((d) => d && !claimed.has(d.depositId));
      if (!deposit) continue;
      claimed.add(deposit.depositId);
      this.take('pending_deposit', [line], [], { depositId: deposit.depositId });
    }
  }

  *amountMismatches(): Pass {
    for (const line of this.lines) {
      if (this.tick()) yield this.progress('amount_mismatch');
      if (this.lineTaken.has(line.id)) continue;
      const best = this.closest(line, this.freeItemsOf(line));
      if (!best) continue;
      this.lineTaken.add(line.id);
      this.itemTaken.add(best.id);
      this.breaks.push({
        kind: 'amount_mismatch',
        lineIds: [line.id],
        itemIds: [best.id],
        differenceMinor: line.amountMinor - best.amountMinor,
      });
    }
  }

  *outcome(): Generator<MatchProgress, MatchOutcome, undefined> {
    for (const line of this.lines) {
      if (this.tick()) yield this.progress('unmatched');
      if (this.lineTaken.has(line.id)) continue;
      this.breaks.push({
        kind: 'unmatched_statement_line',
        lineIds: [line.id],
        itemIds: [],
        differenceMinor: line.amountMinor,
      });
    }
    for (const item of this.items) {
      if (this.tick()) yield this.progress('unmatched');
      if (this.itemTaken.has(item.id)) continue;
      this.breaks.push({
        kind: 'unmatched_ledger_item',
        lineIds: [],
        itemIds: [item.id],
        differenceMinor: -item.amountMinor,
      });
    }
    return { matches: this.matches, breaks: this.breaks };
  }

  /** Postcondition: every line and every item is in exactly one match or break. */
  *check(outcome: MatchOutcome): Pass {
    const seenLines = new Set<string>();
    const seenItems = new Set<string>();
    for (const group of [...outcome.matches, ...outcome.breaks]) {
      if (this.tick()) yield this.progress('check');
      for (const id of group.lineIds) {
        if (seenLines.has(id)) throw new Error(`line ${id} is in two outcomes`);
        seenLines.add(id);
      }
      for (const id of group.itemIds) {
        if (seenItems.has(id)) throw new Error(`item ${id} is in two outcomes`);
        seenItems.add(id);
      }
    }
    if (seenLines.size !== this.lines.length || seenItems.size !== this.items.length)
      throw new Error('matching lost a line or a movement');
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sum(records: readonly { amountMinor: bigint }[]): bigint {
  let total = 0n;
  for (const r of records) total += r.amountMinor;
  return total;
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

function sameSign(a: bigint, b: bigint): boolean {
  return a < 0n === b < 0n;
}
