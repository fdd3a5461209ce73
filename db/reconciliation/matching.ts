// What the matching activity reads and writes. Reads in pages (keyset by id) so a 100,000-line
// statement never sits in one result; the outcome is written in one transaction, together with the
// breaks and their inbox tasks, and only once: a statement with matched_at set answers its stored
// outcome again (the activity may be retried after it committed).
import type pg from 'pg';
import { depositReference } from '../../domain/deposit.js';
import { withdrawalPayoutId } from '../../domain/withdrawal.js';
import {
  dayNumber,
  type FoundBreak,
  type Match,
  type MatchItem,
  type MatchLine,
  type PendingDeposit,
} from '../../domain/reconciliation/matching.js';

// Inbox task kinds, each followed by ':' and the break id (one live task per kind and workflow):
// the break itself, then, once an adjustment is proposed, its approval by a second operator.
export const RECON_BREAK_TASK_PREFIX = 'reconciliation.break';
export const RECON_APPROVAL_TASK_PREFIX = 'reconciliation.approve_adjustment';

export interface StatementHeader {
  id: string;
  accountCode: string;
  currency: string;
  fromOn: string;
  toOn: string;
  consistent: boolean;
  problems: unknown[];
  lineCount: number;
  matchedAt: string | null;
}

export async function getStatementHeader(pool: pg.Pool, id: string): Promise<StatementHeader | null> {
  const { rows } = await pool.query<{
    id: string;
    account_code: string;
    currency: string;
    from_on: string;
    to_on: string;
    consistent: boolean;
    problems: unknown[];
    line_count: number;
    matched_at: Date | null;
  }>(
    `SELECT id, account_code, currency, to_char(from_on, 'YYYY-MM-DD') AS from_on, to_char(to_on, 'YYYY-MM-DD') AS to_on,
            consistent, problems, line_count, matched_at FROM recon_statement WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  return r
    ? {
        id: r.id,
        accountCode: r.account_code,
        currency: r.currency,
        fromOn: r.from_on,
        toOn: r.to_on,
        consistent: r.consistent,
        problems: r.problems,
        lineCount: r.line_count,
        matchedAt: r.matched_at?.toISOString() ?? null,
      }
    : null;
}

/**
 * One page of a statement's lines that take part in matching (booked, in its currency). Ordered by
 * the column, not by the `id` the SELECT casts to text: that sorted '10000' before '9999', and the
 * page after '9999' then started at line 10000 again.
 */
export async function matchLinesPage(
  pool: pg.Pool,
  statementId: string,
  currency: string,
  afterId: string,
  limit: number,
): Promise<MatchLine[]> {
  const { rows } = await pool.query<{
    id: string;
    amount_minor: string;
    booked_on: string;
    value_on: string;
    keys: string[];
  }>(
    `SELECT id::text, amount_minor::text, to_char(booked_on, 'YYYY-MM-DD') AS booked_on,
            to_char(value_on, 'YYYY-MM-DD') AS value_on, keys
       FROM recon_line WHERE statement_id = $1 AND id > $2 AND status = 'BOOKED' AND currency = $3
      ORDER BY recon_line.id LIMIT $4`,
    [statementId, afterId, currency, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    amountMinor: BigInt(r.amount_minor),
    bookedDay: dayNumber(r.booked_on),
    valueDay: dayNumber(r.value_on),
    references: r.keys,
  }));
}

/**
 * The booked lines in another currency than the statement's: they take no part in matching, so the
 * statement_inconsistent break holds them (every line ends matched or in a break).
 */
export async function otherCurrencyLineIds(
  pool: pg.Pool,
  statementId: string,
  currency: string,
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id::text FROM recon_line WHERE statement_id = $1 AND status = 'BOOKED' AND currency <> $2 ORDER BY id`,
    [statementId, currency],
  );
  return rows.map((r) => r.id);
}

/** Our references of a movement: the deposit's wire reference or the payout id its workflow gave. */
function itemReferences(workflowId: string | null, idempotencyKey: string): string[] {
  const refs = [idempotencyKey.toUpperCase()];
  if (workflowId) {
    refs.push(workflowId.toUpperCase());
    if (workflowId.startsWith('deposit-')) refs.push(depositReference(workflowId.slice('deposit-'.length)));
    if (workflowId.startsWith('withdrawal-'))
      refs.push(withdrawalPayoutId(workflowId.slice('withdrawal-'.length)));
  }
  return refs;
}

export type LedgerItem = MatchItem & { entryId: string; effectiveOn: string };

/**
 * The posted movements of `accountCode` effective in [fromOn, toOn] (UTC days), signed from the
 * bank's side (debit of the omnibus asset account positive), `fetchRows` at a time. One query read
 * through a cursor, in one read-only snapshot: keyset pages by journal line id each re-read every line
 * of the account after the last one (no index orders an account's lines by id), which made the read
 * quadratic (10 pages of 100,000 movements took 15 s; one pass takes about one).
 */
export async function* ledgerItemsOfPeriod(
  pool: pg.Pool,
  accountCode: string,
  fromOn: string,
  toOn: string,
  fetchRows: number,
): AsyncGenerator<LedgerItem[]> {
  const client = await pool.connect();
  let ended = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(
      `DECLARE recon_items NO SCROLL CURSOR FOR
       SELECT l.id::text, l.entry_id, (l.debit - l.credit)::text AS amount_minor,
              to_char(e.effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS effective_on, e.workflow_id, e.idempotency_key
         FROM journal_line l
         JOIN ledger_account a ON a.id = l.account_id
         JOIN journal_entry e ON e.id = l.entry_id
        WHERE a.code = $1 AND NOT l.pending
          AND e.effective_at >= ($2::date AT TIME ZONE 'UTC') AND e.effective_at < (($3::date + 1) AT TIME ZONE 'UTC')
        ORDER BY l.id`,
      [accountCode, fromOn, toOn],
    );
    for (;;) {
      const { rows } = await client.query<{
        id: string;
        entry_id: string;
        amount_minor: string;
        effective_on: string;
        workflow_id: string | null;
        idempotency_key: string;
      }>(`FETCH ${Math.max(1, Math.floor(fetchRows))} FROM recon_items`);
      if (rows.length === 0) break;
      yield rows.map((r) => ({
        id: r.id,
        entryId: r.entry_id,
        amountMinor: BigInt(r.amount_minor),
        day: dayNumber(r.effective_on),
        effectiveOn: r.effective_on,
        references: itemReferences(r.workflow_id, r.idempotency_key),
      }));
    }
    await client.query('COMMIT');
    ended = true;
  } finally {
    // A consumer that stopped early (too many rows) or a failed query leaves the transaction open.
    if (!ended) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/** Deposits still PENDING in `currency`, by their wire reference (for the pending_deposit rule). */
export async function pendingDeposits(pool: pg.Pool, currency: string): Promise<PendingDeposit[]> {
  const { rows } = await pool.query<{ business_id: string; reference: string }>(
    `SELECT business_id, attributes->>'reference' AS reference FROM lifecycle
      WHERE type = 'deposit' AND status = 'PENDING' AND attributes->>'currency' = $1 AND attributes ? 'reference'`,
    [currency],
  );
  return rows.map((r) => ({ depositId: r.business_id, reference: r.reference }));
}

export interface BreakToOpen extends Omit<FoundBreak, 'kind'> {
  id: string;
  kind: FoundBreak['kind'] | 'statement_inconsistent';
  detail?: Record<string, unknown>;
}

/** Counts only: a workflow never carries a statement's lines or breaks. */
export interface StoredOutcome {
  matchedLines: number;
  openBreaks: number;
}

export interface OutcomeToStore {
  statementId: string;
  workflowId: string;
  asset: string;
  items: {
    id: string;
    entryId: string;
    amountMinor: bigint;
    effectiveOn: string;
    references: readonly string[];
  }[];
  matches: Match[];
  breaks: BreakToOpen[];
  /** Lines that do not take part (pending; other currency ones are in statement_inconsistent): RESOLVED with this rule. */
  setAside: { rule: string; statuses: string[] };
  dueAt: string;
  at: string;
}

const BATCH = 5000;

export async function storeMatchOutcome(pool: pg.Pool, o: OutcomeToStore): Promise<StoredOutcome> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const locked = await client.query<{ matched_at: Date | null }>(
      'SELECT matched_at FROM recon_statement WHERE id = $1 FOR UPDATE',
      [o.statementId],
    );
    if (!locked.rows[0]) throw new Error(`no statement ${o.statementId}`);
    if (locked.rows[0].matched_at !== null) {
      await client.query('ROLLBACK');
      return storedOutcome(pool, o.statementId);
    }
    const entryOf = new Map(o.items.map((i) => [i.id, i.entryId]));
    // Each movement is written once, with the rule that matched it (no second pass updating them).
    const ruleOfItem = new Map(o.matches.flatMap((m) => m.itemIds.map((id) => [id, m.rule] as const)));
    for (let start = 0; start < o.items.length; start += BATCH) {
      const batch = o.items.slice(start, start + BATCH);
      await client.query(
        `INSERT INTO recon_ledger_item (statement_id, journal_line_id, entry_id, amount_minor, effective_on, keys, match_status, rule)
         SELECT $1, x.id, x.entry_id, x.amount_minor, x.effective_on, ARRAY(SELECT json_array_elements_text(x.keys)),
                CASE WHEN x.rule IS NULL THEN 'UNMATCHED' ELSE 'MATCHED' END, x.rule
           FROM json_to_recordset($2::json) AS x(id bigint, entry_id uuid, amount_minor bigint, effective_on date, keys json, rule text)`,
        [
          o.statementId,
          JSON.stringify(
            batch.map((i) => ({
              id: i.id,
              entry_id: i.entryId,
              amount_minor: i.amountMinor.toString(),
              effective_on: i.effectiveOn,
              keys: i.references,
              rule: ruleOfItem.get(i.id) ?? null,
            })),
          ),
        ],
      );
    }
    for (let start = 0; start < o.matches.length; start += BATCH) {
      const batch = o.matches.slice(start, start + BATCH);
      const lineRows = batch.flatMap((m) =>
        m.lineIds.map((id) => ({
          id,
          rule: m.rule,
          entry_ids: m.itemIds.map((i) => entryOf.get(i)),
          deposit_id: m.depositId ?? null,
        })),
      );
      await client.query(
        `UPDATE recon_line l SET match_status = 'MATCHED', rule = x.rule, deposit_id = x.deposit_id,
                entry_ids = ARRAY(SELECT json_array_elements_text(x.entry_ids))::uuid[]
           FROM json_to_recordset($2::json) AS x(id bigint, rule text, entry_ids json, deposit_id text)
          WHERE l.statement_id = $1 AND l.id = x.id`,
        [o.statementId, JSON.stringify(lineRows)],
      );
    }
    await client.query(
      `UPDATE recon_line SET match_status = 'RESOLVED', rule = $2
        WHERE statement_id = $1 AND match_status = 'UNMATCHED' AND status = ANY($3::text[])`,
      [o.statementId, o.setAside.rule, o.setAside.statuses],
    );
    for (let start = 0; start < o.breaks.length; start += BATCH) {
      const batch = o.breaks.slice(start, start + BATCH).map((b) => ({
        id: b.id,
        kind: b.kind,
        line_ids: b.lineIds,
        entry_ids: b.itemIds.map((i) => entryOf.get(i)).filter((e) => e),
        item_ids: b.itemIds,
        difference_minor: b.differenceMinor.toString(),
        detail: b.detail ?? {},
      }));
      await client.query(
        `INSERT INTO recon_break (id, statement_id, workflow_id, kind, line_ids, entry_ids, difference_minor, asset, detail, created_at)
         SELECT x.id, $1, $2, x.kind, ARRAY(SELECT json_array_elements_text(x.line_ids))::bigint[],
                ARRAY(SELECT json_array_elements_text(x.entry_ids))::uuid[], x.difference_minor, $3, x.detail, $4
           FROM json_to_recordset($5::json) AS x(id uuid, kind text, line_ids json, entry_ids json, difference_minor bigint, detail jsonb)`,
        [o.statementId, o.workflowId, o.asset, o.at, JSON.stringify(batch)],
      );
      await client.query(
        `UPDATE recon_line l SET break_id = x.id
           FROM (SELECT b.id, unnest(b.line_ids) AS line_id FROM recon_break b WHERE b.id = ANY($2::uuid[])) x
          WHERE l.statement_id = $1 AND l.id = x.line_id`,
        [o.statementId, batch.map((b) => b.id)],
      );
      await client.query(
        `UPDATE recon_ledger_item i SET break_id = x.id
           FROM json_to_recordset($2::json) AS y(id uuid, item_ids json),
                LATERAL (SELECT y.id, json_array_elements_text(y.item_ids)::bigint AS item_id) x
          WHERE i.statement_id = $1 AND i.journal_line_id = x.item_id`,
        [o.statementId, JSON.stringify(batch.map((b) => ({ id: b.id, item_ids: b.item_ids })))],
      );
      // One inbox task per break; the kind carries the break id (one live task per kind and workflow).
      await client.query(
        `INSERT INTO task (kind, workflow_id, subject_type, subject_id, required_role, created_at, due_at, summary, priority)
         SELECT $1 || ':' || x.id, $2, 'reconciliation_break', x.id, 'operations', $3, $4,
                'Reconciliation break: ' || replace(x.kind, '_', ' ') || ' (' || x.difference_minor || ' minor units of ' || $5 || ')', 0
           FROM json_to_recordset($6::json) AS x(id text, kind text, difference_minor text)`,
        [RECON_BREAK_TASK_PREFIX, o.workflowId, o.at, o.dueAt, o.asset, JSON.stringify(batch)],
      );
    }
    await client.query('UPDATE recon_statement SET matched_at = $2 WHERE id = $1', [o.statementId, o.at]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return storedOutcome(pool, o.statementId);
}

export async function storedOutcome(pool: pg.Pool, statementId: string): Promise<StoredOutcome> {
  const [lines, breaks] = await Promise.all([
    pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM recon_line WHERE statement_id = $1 AND match_status = 'MATCHED'`,
      [statementId],
    ),
    pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM recon_break WHERE statement_id = $1 AND status IN ('OPEN', 'PENDING_APPROVAL')`,
      [statementId],
    ),
  ]);
  return { matchedLines: Number(lines.rows[0]?.n ?? 0), openBreaks: Number(breaks.rows[0]?.n ?? 0) };
}
