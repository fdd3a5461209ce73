import assert from 'node:assert/strict';
import { LedgerError } from './errors.js';
import { isUuid } from '../../domain/ids.js';
import { asAsset, loadEntries } from './rows.js';
import type {
  AccountMismatch,
  AssetTotals,
  Db,
  Entry,
  EntryPage,
  ListEntriesInput,
  TrialBalance,
} from './types.js';

export const MAX_PAGE_SIZE = 500;

export async function getEntry(db: Db, id: string): Promise<Entry | null> {
  if (!isUuid(id)) return null;
  const [found] = await loadEntries(db, 'e.id = $1', [id]);
  return found?.entry ?? null;
}

// Cursors are opaque to callers: the insertion sequence of the last entry of the previous page.
function encodeCursor(seq: bigint): string {
  return Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): bigint {
  const match = /^seq:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new LedgerError('invalid_cursor', 'this cursor was not issued by the ledger', { cursor });
  return BigInt(match[1]!);
}

/**
 * Newest first, keyset-paginated. Account and client filters also match the void/expire entries that
 * resolved a hold on those accounts (they carry no lines of their own).
 */
export async function listEntries(db: Db, input: ListEntriesInput): Promise<EntryPage> {
  const { limit } = input;
  if (!Number.isInteger(limit) || limit < 1)
    throw new LedgerError('invalid_entry', 'limit is a positive integer');
  if (limit > MAX_PAGE_SIZE)
    throw new LedgerError('limit_exceeded', `limit is at most ${MAX_PAGE_SIZE}`, { limit });

  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const touchesAccounts = (accountIds: string[]): string => {
    const ids = param(accountIds);
    return `e.id IN (SELECT l.entry_id FROM journal_line l WHERE l.account_id = ANY(${ids}::bigint[])
                     UNION ALL
                     SELECT r.id FROM journal_entry r JOIN journal_line l ON l.entry_id = r.pending_entry_id
                      WHERE l.account_id = ANY(${ids}::bigint[]))`;
  };

  if (input.cursor) conditions.push(`e.seq < ${param(decodeCursor(input.cursor))}`);
  if (input.workflowId !== undefined) conditions.push(`e.workflow_id = ${param(input.workflowId)}`);
  if (input.accountCode !== undefined) {
    const found = await db.query<{ id: string }>(`SELECT id FROM ledger_account WHERE code = $1`, [
      input.accountCode,
    ]);
    if (found.rows.length === 0) return { items: [], nextCursor: null };
    conditions.push(touchesAccounts(found.rows.map((row) => String(row.id))));
  }
  if (input.clientId !== undefined) {
    if (!isUuid(input.clientId)) return { items: [], nextCursor: null };
    const found = await db.query<{ id: string }>(`SELECT id FROM ledger_account WHERE owner_id = $1`, [
      input.clientId,
    ]);
    if (found.rows.length === 0) return { items: [], nextCursor: null };
    conditions.push(touchesAccounts(found.rows.map((row) => String(row.id))));
  }

  const where = conditions.length > 0 ? conditions.join(' AND ') : 'true';
  const page = await loadEntries(db, where, params, 'e.seq DESC', limit + 1);
  const items = page.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map((stored) => stored.entry),
    nextCursor: page.length > limit && last ? encodeCursor(last.seq) : null,
  };
}

type AccountTotal = AccountMismatch['total'];
const ACCOUNT_TOTALS: readonly AccountTotal[] = [
  'debits_posted',
  'credits_posted',
  'debits_pending',
  'credits_pending',
];
type AccountMismatchRow = { code: string; asset: string } & Record<
  AccountTotal | `lines_${AccountTotal}`,
  string
>;

/** One row per total of the account that differs from its lines (a mismatched account has one or more). */
function totalsDifferingFromLines(row: AccountMismatchRow): AccountMismatch[] {
  return ACCOUNT_TOTALS.filter((total) => row[total] !== row[`lines_${total}`]).map((total) => ({
    code: row.code,
    asset: asAsset(row.asset),
    total,
    recorded: BigInt(row[total]),
    lines: BigInt(row[`lines_${total}`]),
  }));
}

/**
 * Checks anyone can run, on one consistent snapshot: posted lines balance per asset, the pending lines
 * of open holds balance per asset, and every account's four totals equal the sums of its lines.
 */
export async function trialBalance(db: Db): Promise<TrialBalance> {
  const client = await db.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const perAsset = await client.query<{
      asset: string;
      debits: string;
      credits: string;
      pending_debits: string;
      pending_credits: string;
    }>(
      `SELECT a.code AS asset,
              coalesce(sum(l.debit) FILTER (WHERE NOT l.pending), 0) AS debits,
              coalesce(sum(l.credit) FILTER (WHERE NOT l.pending), 0) AS credits,
              coalesce(sum(l.debit) FILTER (WHERE l.pending AND r.id IS NULL), 0) AS pending_debits,
              coalesce(sum(l.credit) FILTER (WHERE l.pending AND r.id IS NULL), 0) AS pending_credits
         FROM asset a
         LEFT JOIN journal_line l ON l.asset = a.code
         LEFT JOIN journal_entry r ON r.pending_entry_id = l.entry_id
        GROUP BY a.code
        ORDER BY a.code`,
    );
    const mismatched = await client.query<AccountMismatchRow>(
      `WITH sums AS (
         SELECT l.account_id,
                sum(l.debit) FILTER (WHERE NOT l.pending) AS dp,
                sum(l.credit) FILTER (WHERE NOT l.pending) AS cp,
                sum(l.debit) FILTER (WHERE l.pending AND r.id IS NULL) AS dpe,
                sum(l.credit) FILTER (WHERE l.pending AND r.id IS NULL) AS cpe
           FROM journal_line l
           LEFT JOIN journal_entry r ON r.pending_entry_id = l.entry_id
          GROUP BY l.account_id
       )
       SELECT a.code, a.asset,
              a.debits_posted::text, coalesce(s.dp, 0)::text AS lines_debits_posted,
              a.credits_posted::text, coalesce(s.cp, 0)::text AS lines_credits_posted,
              a.debits_pending::text, coalesce(s.dpe, 0)::text AS lines_debits_pending,
              a.credits_pending::text, coalesce(s.cpe, 0)::text AS lines_credits_pending
         FROM ledger_account a
         LEFT JOIN sums s ON s.account_id = a.id
        WHERE a.debits_posted <> coalesce(s.dp, 0)
           OR a.credits_posted <> coalesce(s.cp, 0)
           OR a.debits_pending <> coalesce(s.dpe, 0)
           OR a.credits_pending <> coalesce(s.cpe, 0)
        ORDER BY a.code`,
    );
    await client.query('COMMIT');

    const assets = perAsset.rows.map((row) => ({
      asset: asAsset(row.asset),
      debits: BigInt(row.debits),
      credits: BigInt(row.credits),
      pendingDebits: BigInt(row.pending_debits),
      pendingCredits: BigInt(row.pending_credits),
    }));
    const unbalancedPendingAssets = perAsset.rows
      .filter((row) => BigInt(row.pending_debits) !== BigInt(row.pending_credits))
      .map((row) => asAsset(row.asset));
    const accountMismatches = mismatched.rows.flatMap(totalsDifferingFromLines);
    const mismatchedAccounts = mismatched.rows.map((row) => row.code);
    const postedBalanced = assets.every((row) => row.debits === row.credits);
    const accountsMatchLines = mismatchedAccounts.length === 0;
    const result: TrialBalance = {
      balanced: postedBalanced && unbalancedPendingAssets.length === 0 && accountsMatchLines,
      assets,
      accountsMatchLines,
      mismatchedAccounts,
      accountMismatches,
      unbalancedPendingAssets,
    };
    assert.equal(result.accountsMatchLines, result.mismatchedAccounts.length === 0);
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface TrialBalanceTotals {
  /** Per asset, posted debits equal posted credits and pending debits equal pending credits. */
  balanced: boolean;
  assets: AssetTotals[];
}

/**
 * The trial balance from the accounts' running totals: O(accounts), whatever the number of journal
 * lines, so it can be read as often as a page wants. The totals are moved in the same statement as
 * the lines they sum (engine.ts, fast-path.ts); trialBalance checks that they still equal the lines.
 */
export async function trialBalanceTotals(db: Db): Promise<TrialBalanceTotals> {
  const { rows } = await db.query<{
    asset: string;
    debits: string;
    credits: string;
    pending_debits: string;
    pending_credits: string;
  }>(
    `SELECT s.code AS asset,
            coalesce(sum(a.debits_posted), 0) AS debits, coalesce(sum(a.credits_posted), 0) AS credits,
            coalesce(sum(a.debits_pending), 0) AS pending_debits,
            coalesce(sum(a.credits_pending), 0) AS pending_credits
       FROM asset s
       LEFT JOIN ledger_account a ON a.asset = s.code
      GROUP BY s.code
      ORDER BY s.code`,
  );
  const assets = rows.map((row) => ({
    asset: asAsset(row.asset),
    debits: BigInt(row.debits),
    credits: BigInt(row.credits),
    pendingDebits: BigInt(row.pending_debits),
    pendingCredits: BigInt(row.pending_credits),
  }));
  return {
    balanced: assets.every((a) => a.debits === a.credits && a.pendingDebits === a.pendingCredits),
    assets,
  };
}
