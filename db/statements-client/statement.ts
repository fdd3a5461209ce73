// The client's statement over the journal: every posted line on the client's own accounts of one
// asset in a period, oldest first, with the running balance after each line (a window sum over the
// period plus the opening balance, the sum of every line before it). Which accounts, and why pending
// lines are left out: domain/client-statement.ts. Read-only; one REPEATABLE READ snapshot per call,
// so the opening, the lines and the closing always add up even while postings go on.
import assert from 'node:assert/strict';
import type pg from 'pg';
import { clientAccountCode, type ClientAccountRole } from '../../domain/postings.js';
import type { AssetCode } from '../../domain/money.js';
import { isUuid } from '../../domain/ids.js';
import { InvalidCursorError, decodeCursor, encodeCursor } from '../lifecycle/cursor.js';

/** Most lines one call returns (a page of the API, or a whole download). */
export const MAX_STATEMENT_LINES = 10_000;

export interface StatementQuery {
  clientId: string;
  asset: AssetCode;
  roles: readonly ClientAccountRole[];
  /** First instant in the period. */
  from: Date;
  /** First instant after the period. */
  end: Date;
  /** From a previous page's nextCursor. */
  cursor?: string;
  limit: number;
}

export interface StatementLineRow {
  entryId: string;
  lineId: string;
  postedAt: Date;
  kind: string;
  /** The entry's own text (domain/postings.ts recipes). */
  note: string;
  reversal: boolean;
  role: ClientAccountRole;
  /** Positive: credited (into the client's balance); negative: debited. */
  amountMinor: bigint;
  balanceMinor: bigint;
  /** The client's own lifecycle of the entry, if any. */
  subject: { type: string; id: string; reference: string } | null;
  tradeId: string | null;
}

export interface StatementRows {
  openingMinor: bigint;
  closingMinor: bigint;
  /** Lines in the whole period (every page). */
  lineCount: number;
  lines: StatementLineRow[];
  nextCursor: string | null;
}

const CURSOR_KIND = 'statement';

function cursorLineId(cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  const [lineId] = decodeCursor(CURSOR_KIND, cursor, ['s']);
  if (typeof lineId !== 'string' || !/^\d{1,19}$/.test(lineId)) throw new InvalidCursorError(cursor);
  return lineId;
}

// The client's posted lines on the chosen accounts, with their entries. `$1` account codes, `$2` owner.
const MOVES = `
  acct AS (SELECT id, code FROM ledger_account WHERE code = ANY($1::text[]) AND owner_id = $2::uuid),
  moves AS (
    SELECT l.id AS line_id, l.account_id, l.credit - l.debit AS delta, e.id AS entry_id, e.seq,
           e.effective_at, e.kind, e.description, e.workflow_id, e.idempotency_key,
           e.reverses_entry_id IS NOT NULL AS reversal
      FROM journal_line l
      JOIN journal_entry e ON e.id = l.entry_id
     WHERE l.account_id IN (SELECT id FROM acct) AND NOT l.pending
  )`;

interface LineDbRow {
  line_id: string;
  entry_id: string;
  effective_at: Date;
  kind: string;
  description: string;
  reversal: boolean;
  code: string;
  delta: string;
  balance: string;
  subject_type: string | null;
  subject_id: string | null;
  deposit_reference: string | null;
  trade_id: string | null;
  own_order_id: string | null;
}

async function pageOfLines(
  q: pg.PoolClient,
  codes: string[],
  input: StatementQuery,
  openingMinor: bigint,
  afterLineId: string | null,
): Promise<LineDbRow[]> {
  // The subject comes only from the client's own lifecycles (a trade's entry belongs to the
  // incoming order's workflow, which may be the other side's): a fill names the client's own order.
  const { rows } = await q.query<LineDbRow>(
    `WITH ${MOVES},
     period AS (
       SELECT m.*, $5::bigint + sum(m.delta) OVER (ORDER BY m.effective_at, m.seq, m.line_id
                                                    ROWS UNBOUNDED PRECEDING) AS balance
         FROM moves m
        WHERE m.effective_at >= $3 AND m.effective_at < $4
     ),
     page AS (
       SELECT * FROM period
        WHERE $6::bigint IS NULL
           OR (effective_at, seq, line_id) >
              (SELECT e.effective_at, e.seq, l.id FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id
                WHERE l.id = $6::bigint)
        ORDER BY effective_at, seq, line_id
        LIMIT $7
     )
     SELECT p.line_id, p.entry_id, p.effective_at, p.kind, p.description, p.reversal, a.code,
            p.delta::text AS delta, p.balance::text AS balance,
            lc.type AS subject_type, lc.business_id AS subject_id,
            lc.attributes->>'reference' AS deposit_reference, t.id AS trade_id,
            CASE WHEN t.buyer_id = $2::uuid THEN t.buy_order_id
                 WHEN t.seller_id = $2::uuid THEN t.sell_order_id END AS own_order_id
       FROM page p
       JOIN acct a ON a.id = p.account_id
       LEFT JOIN lifecycle lc ON lc.workflow_id = p.workflow_id AND lc.owner_id = $2::uuid
       LEFT JOIN trade t
         ON t.id = CASE WHEN p.idempotency_key ~ '^trade/[0-9a-f-]{36}$'
                        THEN substr(p.idempotency_key, 7)::uuid END
      ORDER BY p.effective_at, p.seq, p.line_id`,
    [codes, input.clientId, input.from, input.end, openingMinor.toString(), afterLineId, input.limit + 1],
  );
  return rows;
}

function roleOf(code: string, input: StatementQuery): ClientAccountRole {
  const role = input.roles.find((r) => clientAccountCode(input.clientId, input.asset, r) === code);
  assert.ok(role, `line of account ${code} outside the statement's accounts`);
  return role;
}

function toLine(row: LineDbRow, input: StatementQuery): StatementLineRow {
  const ownOrder = row.own_order_id;
  const subject = ownOrder
    ? { type: 'order', id: ownOrder, reference: ownOrder }
    : row.subject_type && row.subject_id
      ? {
          type: row.subject_type,
          id: row.subject_id,
          reference: (row.subject_type === 'deposit' && row.deposit_reference) || row.subject_id,
        }
      : null;
  return {
    entryId: row.entry_id,
    lineId: row.line_id,
    postedAt: row.effective_at,
    kind: row.kind,
    note: row.description,
    reversal: row.reversal,
    role: roleOf(row.code, input),
    amountMinor: BigInt(row.delta),
    balanceMinor: BigInt(row.balance),
    subject,
    tradeId: row.trade_id,
  };
}

/** One page of the statement (or, with a large `limit`, all of it) with its opening and closing. */
export async function statementLines(pool: pg.Pool, input: StatementQuery): Promise<StatementRows> {
  assert.ok(isUuid(input.clientId), 'a statement is of a client id');
  assert.ok(input.roles.length > 0, 'a statement sums at least one account');
  assert.ok(Number.isInteger(input.limit) && input.limit >= 1 && input.limit <= MAX_STATEMENT_LINES);
  assert.ok(input.from.getTime() < input.end.getTime(), 'the period is not empty');
  const afterLineId = cursorLineId(input.cursor);
  const codes = input.roles.map((role) => clientAccountCode(input.clientId, input.asset, role));
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const totals = await client.query<{ opening: string; closing: string; lines: string }>(
      `WITH ${MOVES}
       SELECT coalesce(sum(delta) FILTER (WHERE effective_at < $3), 0)::text AS opening,
              coalesce(sum(delta) FILTER (WHERE effective_at < $4), 0)::text AS closing,
              count(*) FILTER (WHERE effective_at >= $3 AND effective_at < $4) AS lines
         FROM moves`,
      [codes, input.clientId, input.from, input.end],
    );
    const total = totals.rows[0];
    assert.ok(total);
    const openingMinor = BigInt(total.opening);
    const rows = await pageOfLines(client, codes, input, openingMinor, afterLineId);
    await client.query('COMMIT');
    const page = rows.slice(0, input.limit).map((row) => toLine(row, input));
    const last = page.at(-1);
    return {
      openingMinor,
      closingMinor: BigInt(total.closing),
      lineCount: Number(total.lines),
      lines: page,
      nextCursor: rows.length > input.limit && last ? encodeCursor(CURSOR_KIND, [last.lineId]) : null,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
