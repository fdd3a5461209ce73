import type pg from 'pg';
import { isAssetCode, type AssetCode } from '../../domain/money.js';
import type { AccountKind } from '../../domain/postings.js';
import type { Account, Entry, EntryLine, EntryStatus, HoldState } from './types.js';

// Row shapes and their mapping to the API types. bigint columns arrive as strings and are converted
// with BigInt, never through a JavaScript number.

export type Queryable = pg.Pool | pg.PoolClient;

export const INT64_MAX = 2n ** 63n - 1n;

export function asAsset(value: string): AssetCode {
  if (!isAssetCode(value)) throw new Error(`ledger row holds an unknown asset "${value}"`);
  return value;
}

export interface AccountRow {
  id: string;
  code: string;
  asset: string;
  owner_id: string | null;
  kind: string;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
  created_at: Date;
}

export const ACCOUNT_COLUMNS = `id, code, asset, owner_id, kind, debits_must_not_exceed_credits,
  credits_must_not_exceed_debits, debits_posted, credits_posted, debits_pending, credits_pending, created_at`;

export function toAccount(row: AccountRow): Account {
  return {
    id: String(row.id),
    code: row.code,
    asset: asAsset(row.asset),
    ownerId: row.owner_id,
    kind: row.kind as AccountKind,
    debitsMustNotExceedCredits: row.debits_must_not_exceed_credits,
    creditsMustNotExceedDebits: row.credits_must_not_exceed_debits,
    debitsPosted: BigInt(row.debits_posted),
    creditsPosted: BigInt(row.credits_posted),
    debitsPending: BigInt(row.debits_pending),
    creditsPending: BigInt(row.credits_pending),
    createdAt: row.created_at,
  };
}

interface EntryRow {
  id: string;
  seq: string;
  idempotency_key: string;
  payload_hash: string;
  kind: string;
  description: string;
  status: EntryStatus;
  workflow_id: string | null;
  run_id: string | null;
  activity: string | null;
  created_at: Date;
  effective_at: Date;
  reverses_entry_id: string | null;
  pending_entry_id: string | null;
  expires_at: Date | null;
  resolved_by_id: string | null;
  resolved_by_status: EntryStatus | null;
}

interface LineRow {
  entry_id: string;
  code: string;
  asset: string;
  debit: string;
  credit: string;
  pending: boolean;
}

export interface StoredEntry {
  entry: Entry;
  seq: bigint;
  payloadHash: string;
}

const RESOLUTION_STATE: Record<string, HoldState> = {
  post_pending: 'posted',
  void_pending: 'voided',
  expire_pending: 'expired',
};

export function holdStateOf(status: EntryStatus, resolvedByStatus: EntryStatus | null): HoldState | null {
  if (status !== 'pending') return null;
  if (resolvedByStatus === null) return 'pending';
  const state = RESOLUTION_STATE[resolvedByStatus];
  if (state === undefined) throw new Error(`hold resolved by an entry of status ${resolvedByStatus}`);
  return state;
}

/**
 * Entries (with lines) matching `where` (SQL over alias `e`), in the order of `orderBy`, at most
 * `limit`. The resolving entry, if any, is joined as `r`.
 */
export async function loadEntries(
  q: Queryable,
  where: string,
  params: unknown[],
  orderBy = 'e.seq DESC',
  limit: number | null = null,
): Promise<StoredEntry[]> {
  const limitSql = limit === null ? '' : ` LIMIT ${Math.trunc(limit)}`;
  const entries = await q.query<EntryRow>(
    `SELECT e.id, e.seq, e.idempotency_key, e.payload_hash, e.kind, e.description, e.status, e.workflow_id,
            e.run_id, e.activity, e.created_at, e.effective_at, e.reverses_entry_id, e.pending_entry_id,
            e.expires_at, r.id AS resolved_by_id, r.status AS resolved_by_status
       FROM journal_entry e
       LEFT JOIN journal_entry r ON r.pending_entry_id = e.id
      WHERE ${where}
      ORDER BY ${orderBy}${limitSql}`,
    params,
  );
  if (entries.rows.length === 0) return [];
  const lines = await q.query<LineRow>(
    `SELECT l.entry_id, a.code, l.asset, l.debit, l.credit, l.pending
       FROM journal_line l
       JOIN ledger_account a ON a.id = l.account_id
      WHERE l.entry_id = ANY($1::uuid[])
      ORDER BY l.id`,
    [entries.rows.map((row) => row.id)],
  );
  const linesByEntry = new Map<string, EntryLine[]>();
  for (const row of lines.rows) {
    const list = linesByEntry.get(row.entry_id) ?? [];
    list.push({
      accountCode: row.code,
      asset: asAsset(row.asset),
      debit: BigInt(row.debit),
      credit: BigInt(row.credit),
      pending: row.pending,
    });
    linesByEntry.set(row.entry_id, list);
  }
  return entries.rows.map((row) => ({
    seq: BigInt(row.seq),
    payloadHash: row.payload_hash,
    entry: {
      id: row.id,
      idempotencyKey: row.idempotency_key,
      kind: row.kind,
      description: row.description,
      status: row.status,
      workflowId: row.workflow_id,
      runId: row.run_id,
      activity: row.activity,
      createdAt: row.created_at,
      effectiveAt: row.effective_at,
      reversesEntryId: row.reverses_entry_id,
      pendingEntryId: row.pending_entry_id,
      expiresAt: row.expires_at,
      holdState: holdStateOf(row.status, row.resolved_by_status),
      resolvedByEntryId: row.status === 'pending' ? row.resolved_by_id : null,
      lines: linesByEntry.get(row.id) ?? [],
    },
  }));
}
