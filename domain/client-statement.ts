// The client's statement (issue 14): which of the client's ledger accounts make up the balance it
// shows, the statement period, and each journal line in words. Pure: the queries live in
// db/statements-client, the HTTP edge in api/services/client-statement.ts. (Not domain/statements,
// which parses bank statements for reconciliation.)
//
// What the balance is. The platform owes a client, per asset, the sum of three liability accounts
// (DESIGN.md "Ledger"): `available` (spendable), `held` (received, under AML hold) and
// `pending_settlement` (traded, not yet settled). A statement of `all` follows that total: every
// posted journal line on any of the three, credits adding, debits subtracting. A statement of one
// account follows that account alone. Pending lines (the first phase of a hold: a withdrawal or an
// order reserving funds) are not movements: they only mark money as reserved; the hold's posting
// later moves it with lines of its own, and a void moves nothing. So the closing balance of `all` is
// GET /balances' available + pending (reserved) + held + pendingSettlement, and of `available` it is
// available + pending.
import { CLIENT_ACCOUNT_ROLES, type ClientAccountRole } from './postings.js';
import { canReadAllClients, hasAnyRole, type Role } from './roles.js';

/** Staff who may read any client's statement (admins pass as operations: domain/roles.ts canActAs). */
export const STATEMENT_STAFF_ROLES: readonly Role[] = ['operations', 'auditor'];

/** May `role` read any client's statement (the API's /ops/clients/:id/statement, the staff page)? */
export function canReadClientStatements(role: Role): boolean {
  return canReadAllClients(role) && hasAnyRole(role, STATEMENT_STAFF_ROLES);
}

export const STATEMENT_ACCOUNTS = ['all', ...CLIENT_ACCOUNT_ROLES] as const;
export type StatementAccount = (typeof STATEMENT_ACCOUNTS)[number];

/** The client accounts a statement of `account` sums. */
export function statementRoles(account: StatementAccount): readonly ClientAccountRole[] {
  return account === 'all' ? CLIENT_ACCOUNT_ROLES : [account];
}

export const ACCOUNT_LABELS: Record<ClientAccountRole, string> = {
  available: 'Available',
  held: 'On AML hold',
  pending_settlement: 'Pending settlement',
};

export const STATEMENT_ACCOUNT_LABELS: Record<StatementAccount, string> = {
  all: 'All accounts (available, on hold, pending settlement)',
  ...ACCOUNT_LABELS,
};

// ---- the period -------------------------------------------------------------------------------------

/** A statement covers at most a year (a leap year's 366 days), both ends included. */
export const MAX_PERIOD_DAYS = 366;
/** The default period when none is given: the last 30 days up to today. */
export const DEFAULT_PERIOD_DAYS = 30;

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar day `YYYY-MM-DD` as UTC midnight in ms, or null when it is not a real date (2026-02-30). */
export function parseDay(text: string): number | null {
  const match = DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 2000 || year > 2999) return null;
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day)
    return null;
  return ms;
}

export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface StatementPeriod {
  /** First day, included (UTC). */
  from: string;
  /** Last day, included (UTC). */
  to: string;
  /** `from` at 00:00 UTC. */
  fromMs: number;
  /** The day after `to` at 00:00 UTC: lines before it are in the period. */
  endMs: number;
}

export type PeriodProblem = { path: 'from' | 'to'; code: string; message: string };

/**
 * The period from the query's `from` / `to` (either may be missing: `to` defaults to today, `from`
 * to DEFAULT_PERIOD_DAYS days before `to`). Days are UTC days, like every time of the API.
 */
export function statementPeriod(
  input: { from?: string; to?: string },
  nowMs: number,
): StatementPeriod | PeriodProblem {
  const toMs = input.to === undefined ? Math.floor(nowMs / DAY_MS) * DAY_MS : parseDay(input.to);
  if (toMs === null) return { path: 'to', code: 'invalid_date', message: 'give a date like 2026-12-31' };
  const fromMs = input.from === undefined ? toMs - (DEFAULT_PERIOD_DAYS - 1) * DAY_MS : parseDay(input.from);
  if (fromMs === null) return { path: 'from', code: 'invalid_date', message: 'give a date like 2026-12-01' };
  if (fromMs > toMs)
    return { path: 'from', code: 'after_to', message: 'the first day comes after the last day' };
  if ((toMs - fromMs) / DAY_MS + 1 > MAX_PERIOD_DAYS)
    return {
      path: 'from',
      code: 'period_too_long',
      message: `a statement covers at most ${MAX_PERIOD_DAYS} days`,
    };
  return { from: formatDay(fromMs), to: formatDay(toMs), fromMs, endMs: toMs + DAY_MS };
}

/** The client home's balance-history chart spans, in days. */
export const HISTORY_DAYS = [30, 90] as const;
export type HistoryDays = (typeof HISTORY_DAYS)[number];

// ---- lines in words ---------------------------------------------------------------------------------

/** What each posting recipe (domain/postings.ts, certificate-transfer.ts) means on a statement. */
const KIND_LABELS: Record<string, string> = {
  'deposit.confirm': 'Deposit received, on AML hold',
  'deposit.clear': 'Deposit cleared',
  'deposit.return': 'Deposit returned to the sender',
  'withdrawal.post': 'Withdrawal paid out',
  'order.reserve.post': 'Order reservation used by a fill',
  'trade.fill': 'Trade',
  'trade.fee': 'Trading fee',
  fee: 'Fee',
  'registry.transfer_in': 'Certificates transferred in',
  'certificate_transfer.post': 'Certificates transferred out',
  'settlement.deliver': 'Settlement',
};

/** "deposit.confirm" → its label; a kind without one is shown in words of its own ("Recon adjust"). */
export function kindLabel(kind: string, reversal = false): string {
  const label =
    KIND_LABELS[kind] ?? kind.replace(/[._]+/g, ' ').replace(/^\w/, (first) => first.toUpperCase());
  return reversal ? `Reversal: ${label}` : label;
}

/** The lifecycle a line belongs to, as the client knows it; null when it has none of the client's. */
export interface StatementSubject {
  /** A lifecycle type (deposit, withdrawal, order, certificate_transfer, client_settlement). */
  type: string;
  /** Its business id, the `:id` of its routes. */
  id: string;
  /** What the client quotes for it: a deposit's wire reference (CH-…), else the id. */
  reference: string;
}

/** What a client calls each lifecycle type (statement lines, the home's recent activity). */
export const SUBJECT_NOUNS: Record<string, string> = {
  deposit: 'Deposit',
  withdrawal: 'Withdrawal',
  order: 'Order',
  certificate_transfer: 'Transfer',
  client_settlement: 'Settlement',
};

/** "Deposit CH-7KQ2M4ZT9P", "Order 3f0c…"; null without a subject. */
export function subjectText(subject: StatementSubject | null, tradeId: string | null): string | null {
  if (!subject) return tradeId ? `Trade ${tradeId}` : null;
  const noun = SUBJECT_NOUNS[subject.type] ?? kindLabel(subject.type);
  const text = `${noun} ${subject.reference}`;
  return tradeId ? `${text}, trade ${tradeId}` : text;
}

/** The statement's description of a line: what happened, then the business reference. */
export function lineDescription(
  kind: string,
  reversal: boolean,
  subject: StatementSubject | null,
  tradeId: string | null,
): string {
  const reference = subjectText(subject, tradeId);
  const label = kindLabel(kind, reversal);
  return reference ? `${label} · ${reference}` : label;
}
