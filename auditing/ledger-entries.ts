// The journal entries a workflow posted, as the auditor reads them: amounts as decimal strings with
// their asset, times as ISO strings, oldest first.
import type pg from 'pg';
import { listEntries, type Entry } from '../db/ledger/index.js';
import { formatAmount } from '../domain/money.js';

export interface AuditEntryView {
  id: string;
  idempotencyKey: string;
  kind: string;
  description: string;
  status: string;
  workflowId: string | null;
  runId: string | null;
  activity: string | null;
  createdAt: string;
  effectiveAt: string;
  reversesEntryId: string | null;
  pendingEntryId: string | null;
  holdState: string | null;
  lines: { accountCode: string; asset: string; debit: string; credit: string; pending: boolean }[];
}

function entryView(entry: Entry): AuditEntryView {
  return {
    id: entry.id,
    idempotencyKey: entry.idempotencyKey,
    kind: entry.kind,
    description: entry.description,
    status: entry.status,
    workflowId: entry.workflowId,
    runId: entry.runId,
    activity: entry.activity,
    createdAt: entry.createdAt.toISOString(),
    effectiveAt: entry.effectiveAt.toISOString(),
    reversesEntryId: entry.reversesEntryId,
    pendingEntryId: entry.pendingEntryId,
    holdState: entry.holdState,
    lines: entry.lines.map((line) => ({
      accountCode: line.accountCode,
      asset: line.asset,
      debit: formatAmount(line.asset, line.debit),
      credit: formatAmount(line.asset, line.credit),
      pending: line.pending,
    })),
  };
}

const PAGE_SIZE = 500;
/** A lifecycle posts a handful of entries; this many pages means something is wrong. */
const MAX_PAGES = 200;

/** Every journal entry the workflow posted, oldest first. */
export async function ledgerEntriesOf(pool: pg.Pool, workflowId: string): Promise<AuditEntryView[]> {
  const all: Entry[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await listEntries(pool, { workflowId, limit: PAGE_SIZE, cursor });
    all.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return all.reverse().map(entryView);
  }
  throw new Error(`${workflowId} posted more than ${MAX_PAGES * PAGE_SIZE} journal entries`);
}
