// What the API and the pages read of reconciliations: statement headers with their counts, lines and
// breaks a page at a time (keyset by id), one line, the account a statement is reconciled against,
// and the daily matched/unmatched history the summary page charts.
import type pg from 'pg';
import { BREAK_COLUMNS, breakFromRow, type BreakRow } from './breaks.js';
import { RECON_APPROVAL_TASK_PREFIX, RECON_BREAK_TASK_PREFIX } from './matching.js';

export interface StatementSummary {
  id: string;
  format: string;
  source: string;
  accountCode: string;
  accountRef: string | null;
  statementRef: string | null;
  currency: string;
  fromOn: string;
  toOn: string;
  openingMinor: bigint | null;
  closingMinor: bigint | null;
  lineCount: number;
  consistent: boolean;
  problems: unknown[];
  fileSha256: string;
  matchedLines: number;
  resolvedLines: number;
  openBreaks: number;
  breaks: number;
  /** The oldest open break's creation, for "open breaks by age". */
  oldestOpenBreakAt: string | null;
}

/** The statements of `ids` with their counts, by id (two aggregate subqueries, one round trip). */
export async function statementSummaries(
  pool: pg.Pool,
  ids: readonly string[],
): Promise<Map<string, StatementSummary>> {
  if (ids.length === 0) return new Map();
  const { rows } = await pool.query<{
    id: string;
    format: string;
    source: string;
    account_code: string;
    account_ref: string | null;
    statement_ref: string | null;
    currency: string;
    from_on: string;
    to_on: string;
    opening_minor: string | null;
    closing_minor: string | null;
    line_count: number;
    consistent: boolean;
    problems: unknown[];
    sha256: string;
    matched: string;
    resolved: string;
    open_breaks: string;
    breaks: string;
    oldest_open: Date | null;
  }>(
    `SELECT s.id, s.format, s.source, s.account_code, s.account_ref, s.statement_ref, s.currency,
            to_char(s.from_on, 'YYYY-MM-DD') AS from_on, to_char(s.to_on, 'YYYY-MM-DD') AS to_on,
            s.opening_minor::text, s.closing_minor::text, s.line_count, s.consistent, s.problems, f.sha256,
            COALESCE(l.matched, 0) AS matched, COALESCE(l.resolved, 0) AS resolved,
            COALESCE(b.open_breaks, 0) AS open_breaks, COALESCE(b.breaks, 0) AS breaks, b.oldest_open
       FROM recon_statement s
       JOIN recon_file f ON f.id = s.file_id
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE match_status = 'MATCHED') AS matched,
                count(*) FILTER (WHERE match_status = 'RESOLVED') AS resolved
           FROM recon_line WHERE statement_id = s.id) l ON true
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE status IN ('OPEN', 'PENDING_APPROVAL')) AS open_breaks, count(*) AS breaks,
                min(created_at) FILTER (WHERE status IN ('OPEN', 'PENDING_APPROVAL')) AS oldest_open
           FROM recon_break WHERE statement_id = s.id) b ON true
      WHERE s.id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        format: r.format,
        source: r.source,
        accountCode: r.account_code,
        accountRef: r.account_ref,
        statementRef: r.statement_ref,
        currency: r.currency,
        fromOn: r.from_on,
        toOn: r.to_on,
        openingMinor: r.opening_minor === null ? null : BigInt(r.opening_minor),
        closingMinor: r.closing_minor === null ? null : BigInt(r.closing_minor),
        lineCount: r.line_count,
        consistent: r.consistent,
        problems: r.problems,
        fileSha256: r.sha256,
        matchedLines: Number(r.matched),
        resolvedLines: Number(r.resolved),
        openBreaks: Number(r.open_breaks),
        breaks: Number(r.breaks),
        oldestOpenBreakAt: r.oldest_open?.toISOString() ?? null,
      },
    ]),
  );
}

export type LineMatchStatus = 'MATCHED' | 'UNMATCHED' | 'RESOLVED';

export interface LineRow {
  id: string;
  index: number;
  origin: string;
  bookedOn: string;
  valueOn: string;
  amountMinor: bigint;
  currency: string;
  status: 'BOOKED' | 'PENDING';
  reversal: boolean;
  reference: string | null;
  counterparty: string | null;
  text: string;
  matchStatus: LineMatchStatus;
  rule: string | null;
  entryIds: string[];
  depositId: string | null;
  breakId: string | null;
}

const LINE_COLUMNS = `id::text, idx, origin, to_char(booked_on, 'YYYY-MM-DD') AS booked_on,
  to_char(value_on, 'YYYY-MM-DD') AS value_on, amount_minor::text, currency, status, reversal, reference,
  counterparty, text, match_status, rule, entry_ids::text[] AS entry_ids, deposit_id, break_id`;

interface RawLine {
  id: string;
  idx: number;
  origin: string;
  booked_on: string;
  value_on: string;
  amount_minor: string;
  currency: string;
  status: LineRow['status'];
  reversal: boolean;
  reference: string | null;
  counterparty: string | null;
  text: string;
  match_status: LineMatchStatus;
  rule: string | null;
  entry_ids: string[];
  deposit_id: string | null;
  break_id: string | null;
}

function lineFromRow(r: RawLine): LineRow {
  return {
    id: r.id,
    index: r.idx,
    origin: r.origin,
    bookedOn: r.booked_on,
    valueOn: r.value_on,
    amountMinor: BigInt(r.amount_minor),
    currency: r.currency,
    status: r.status,
    reversal: r.reversal,
    reference: r.reference,
    counterparty: r.counterparty,
    text: r.text,
    matchStatus: r.match_status,
    rule: r.rule,
    entryIds: r.entry_ids,
    depositId: r.deposit_id,
    breakId: r.break_id,
  };
}

/** A page of a statement's lines in file order, optionally of one match status; `afterId` '0' first. */
export async function linesPage(
  pool: pg.Pool,
  statementId: string,
  input: { matchStatus?: LineMatchStatus; afterId: string; limit: number },
): Promise<LineRow[]> {
  const { rows } = await pool.query<RawLine>(
    `SELECT ${LINE_COLUMNS} FROM recon_line
      WHERE statement_id = $1 AND id > $2::bigint AND ($3::text IS NULL OR match_status = $3)
      ORDER BY recon_line.id LIMIT $4`,
    [statementId, input.afterId, input.matchStatus ?? null, input.limit],
  );
  return rows.map(lineFromRow);
}

export async function getLine(pool: pg.Pool, statementId: string, lineId: string): Promise<LineRow | null> {
  if (!/^[0-9]{1,18}$/.test(lineId)) return null;
  const { rows } = await pool.query<RawLine>(
    `SELECT ${LINE_COLUMNS} FROM recon_line WHERE statement_id = $1 AND id = $2::bigint`,
    [statementId, lineId],
  );
  return rows[0] ? lineFromRow(rows[0]) : null;
}

/** SQL: the task kinds of break `b` (the break's own, its adjustment's approval). */
const BREAK_TASK_KINDS = [RECON_BREAK_TASK_PREFIX, RECON_APPROVAL_TASK_PREFIX]
  .map((prefix) => `'${prefix}:' || b.id::text`)
  .join(', ');

export interface BreakWithTask extends BreakRow {
  /** The inbox task of the break (the live one, else the last: the approval's once one is proposed). */
  taskId: string | null;
}

/** Breaks with the id of their inbox task (the newest one of the break), filtered by `where` over `b`. */
function breaksWithTaskSql(where: string): string {
  return `SELECT ${BREAK_COLUMNS}, task_id FROM (
            SELECT b.*, (SELECT t.id FROM task t
                          WHERE t.workflow_id = b.workflow_id AND t.kind IN (${BREAK_TASK_KINDS})
                          ORDER BY t.created_at DESC LIMIT 1) AS task_id
              FROM recon_break b WHERE ${where}) x`;
}

type RawWithTask = Parameters<typeof breakFromRow>[0] & { task_id: string | null };

/** A page of a statement's breaks, oldest first, optionally of one status. */
export async function breaksOfStatement(
  pool: pg.Pool,
  statementId: string,
  input: { status?: BreakRow['status']; limit: number; offset: number },
): Promise<BreakWithTask[]> {
  const { rows } = await pool.query<RawWithTask>(
    `${breaksWithTaskSql('b.statement_id = $1 AND ($2::text IS NULL OR b.status = $2)')}
      ORDER BY created_at, id LIMIT $3 OFFSET $4`,
    [statementId, input.status ?? null, input.limit, input.offset],
  );
  return rows.map((r) => ({ ...breakFromRow(r), taskId: r.task_id }));
}

export async function getBreakWithTask(pool: pg.Pool, breakId: string): Promise<BreakWithTask | null> {
  const { rows } = await pool.query<RawWithTask>(breaksWithTaskSql('b.id = $1'), [breakId]);
  const r = rows[0];
  return r ? { ...breakFromRow(r), taskId: r.task_id } : null;
}

/** The asset of ledger account `code`, or null when there is no such account. */
export async function ledgerAccountAsset(pool: pg.Pool, code: string): Promise<string | null> {
  const { rows } = await pool.query<{ asset: string }>('SELECT asset FROM ledger_account WHERE code = $1', [
    code,
  ]);
  return rows[0]?.asset ?? null;
}

export interface DailyMatchHistory {
  day: string;
  matched: number;
  unmatched: number;
}

/**
 * Statement lines per booking day of the last `days` days: matched (by a rule or resolved) vs still
 * unmatched, over every statement (the summary chart).
 */
export async function dailyMatchHistory(pool: pg.Pool, days: number): Promise<DailyMatchHistory[]> {
  const { rows } = await pool.query<{ day: string; matched: string; unmatched: string }>(
    `SELECT to_char(d.day, 'YYYY-MM-DD') AS day,
            count(l.id) FILTER (WHERE l.match_status <> 'UNMATCHED') AS matched,
            count(l.id) FILTER (WHERE l.match_status = 'UNMATCHED') AS unmatched
       FROM generate_series(current_date - ($1::int - 1), current_date, interval '1 day') AS d(day)
       LEFT JOIN recon_line l ON l.booked_on = d.day::date
      GROUP BY d.day ORDER BY d.day`,
    [days],
  );
  return rows.map((r) => ({ day: r.day, matched: Number(r.matched), unmatched: Number(r.unmatched) }));
}

export interface BreakAgeBucket {
  label: string;
  open: number;
  /** Of those, past the task's due time. */
  overdue: number;
}

/** Open breaks of statements (open or waiting for approval) by age: under a day, 1–3, 3–7, older. */
export async function openBreaksByAge(pool: pg.Pool): Promise<BreakAgeBucket[]> {
  const { rows } = await pool.query<{ bucket: number; open: string; overdue: string }>(
    `SELECT CASE WHEN age < interval '1 day' THEN 0 WHEN age < interval '3 days' THEN 1
                 WHEN age < interval '7 days' THEN 2 ELSE 3 END AS bucket,
            count(*) AS open, count(*) FILTER (WHERE overdue) AS overdue
       FROM (SELECT now() - b.created_at AS age,
                    EXISTS (SELECT 1 FROM task t WHERE t.workflow_id = b.workflow_id
                              AND t.kind IN (${BREAK_TASK_KINDS})
                              AND t.status IN ('open', 'claimed') AND t.due_at < now()) AS overdue
               FROM recon_break b WHERE b.statement_id IS NOT NULL AND b.status IN ('OPEN', 'PENDING_APPROVAL')) x
      GROUP BY 1`,
  );
  const labels = ['< 1 day', '1–3 days', '3–7 days', '> 7 days'];
  return labels.map((label, bucket) => {
    const row = rows.find((r) => Number(r.bucket) === bucket);
    return { label, open: Number(row?.open ?? 0), overdue: Number(row?.overdue ?? 0) };
  });
}
