// Reading the ledger: journal entries with their lines (staff and auditors: all, with filters;
// clients: only entries touching their own accounts), and the trial balance anyone on staff can run.
import { z } from 'zod';
import { isLedgerError, listEntries, trialBalance, type Entry } from '../../db/ledger/index.js';
import { formatAmount } from '../../domain/money.js';
import { canReadAllClients, isClient } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { forbidden, validationFailed } from '../errors.js';
import { listQuerySchema, textField, uuidSchema } from '../validate.js';
import { parseInput, type SessionUser } from './common.js';

export interface EntryLineView {
  accountCode: string;
  asset: string;
  debit: string;
  credit: string;
  pending: boolean;
}

export interface EntryView {
  id: string;
  kind: string;
  description: string;
  status: string;
  workflowId: string | null;
  createdAt: string;
  effectiveAt: string;
  reversesEntryId: string | null;
  pendingEntryId: string | null;
  holdState: string | null;
  lines: EntryLineView[];
}

export interface TrialBalanceView {
  balanced: boolean;
  assets: { asset: string; debits: string; credits: string }[];
  accountsMatchLines: boolean;
}

export const ListEntriesQuerySchema = listQuerySchema.extend({
  workflowId: textField({ max: 300, required: true }).optional(),
  accountCode: textField({ max: 200, required: true }).optional().meta({ example: 'bank:omnibus:EUR' }),
  clientId: uuidSchema.optional(),
});

export const EntrySchema = z
  .object({
    id: z.uuid(),
    kind: z.string().meta({ example: 'deposit.confirm' }),
    description: z.string(),
    status: z.string().meta({ example: 'posted' }),
    workflowId: z.string().nullable(),
    createdAt: z.string(),
    effectiveAt: z.string(),
    reversesEntryId: z.uuid().nullable(),
    pendingEntryId: z.uuid().nullable(),
    holdState: z.string().nullable(),
    lines: z.array(
      z.object({
        accountCode: z.string().meta({ example: 'bank:omnibus:EUR' }),
        asset: z.string(),
        debit: z.string().meta({ example: '1250.50' }),
        credit: z.string().meta({ example: '0.00' }),
        pending: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'JournalEntry' });

export const TrialBalanceSchema = z
  .object({
    balanced: z.boolean(),
    assets: z.array(z.object({ asset: z.string(), debits: z.string(), credits: z.string() })),
    accountsMatchLines: z.boolean(),
  })
  .meta({ id: 'TrialBalance' });

/** Another client's account as a client sees it on a shared entry (a trade, say): not by id. */
const COUNTERPARTY = 'counterparty';

function toEntryView(entry: Entry, ownClientId: string | null): EntryView {
  return {
    id: entry.id,
    kind: entry.kind,
    description: entry.description,
    status: entry.status,
    workflowId: entry.workflowId,
    createdAt: entry.createdAt.toISOString(),
    effectiveAt: entry.effectiveAt.toISOString(),
    reversesEntryId: entry.reversesEntryId,
    pendingEntryId: entry.pendingEntryId,
    holdState: entry.holdState,
    lines: entry.lines.map((line) => ({
      accountCode:
        ownClientId !== null &&
        line.accountCode.startsWith('client:') &&
        !line.accountCode.startsWith(`client:${ownClientId}:`)
          ? COUNTERPARTY
          : line.accountCode,
      asset: line.asset,
      debit: formatAmount(line.asset, line.debit),
      credit: formatAmount(line.asset, line.credit),
      pending: line.pending,
    })),
  };
}

/**
 * GET /ledger/entries, newest first. Filters narrow what the caller may see: a client always gets
 * entries touching their own accounts only (another clientId gives an empty page).
 */
export async function entriesFor(
  deps: AppDeps,
  user: SessionUser,
  query: {
    workflowId?: string;
    accountCode?: string;
    clientId?: string;
    limit?: number | string;
    cursor?: string;
  },
): Promise<{ items: EntryView[]; nextCursor: string | null }> {
  const q = parseInput(ListEntriesQuerySchema, query, 'query');
  const client = isClient(user.role);
  if (!client && !canReadAllClients(user.role)) throw forbidden();
  if (client && q.clientId !== undefined && q.clientId.toLowerCase() !== user.id)
    return { items: [], nextCursor: null };
  try {
    const page = await listEntries(deps.pool, {
      workflowId: q.workflowId,
      accountCode: q.accountCode,
      clientId: client ? user.id : q.clientId?.toLowerCase(),
      limit: q.limit,
      cursor: q.cursor ?? null,
    });
    return {
      items: page.items.map((entry) => toEntryView(entry, client ? user.id : null)),
      nextCursor: page.nextCursor,
    };
  } catch (error) {
    if (isLedgerError(error) && error.code === 'invalid_cursor') {
      throw validationFailed([{ path: 'cursor', code: 'invalid_cursor', message: error.message }]);
    }
    throw error;
  }
}

/**
 * GET /ledger/trial-balance: posted lines balance per asset and every account's totals equal its
 * lines. Staff and auditors; pass `user` to have the role checked here (the pages gate it themselves).
 */
export async function trialBalanceView(deps: AppDeps, user?: SessionUser): Promise<TrialBalanceView> {
  if (user && !canReadAllClients(user.role)) throw forbidden('the trial balance is for staff and auditors');
  const result = await trialBalance(deps.pool);
  return {
    balanced: result.balanced,
    assets: result.assets.map((a) => ({
      asset: a.asset,
      debits: formatAmount(a.asset, a.debits),
      credits: formatAmount(a.asset, a.credits),
    })),
    accountsMatchLines: result.accountsMatchLines,
  };
}
