// Accounts under lock for one posting call: SELECT … FOR UPDATE in id order (so no two postings
// deadlock), by code or by id, and the in-memory working copies of their totals that the engine
// (engine.ts), the fast path's verdicts (fast-path.ts) and hold resolution (holds.ts) apply entries to.
import assert from 'node:assert/strict';
import { LedgerError } from './errors.js';
import type { LockedAccount, Totals } from './planned-entry.js';
import { asAsset, type Queryable } from './rows.js';

export interface LockedAccountRow {
  id: string;
  code: string;
  asset: string;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
}

export class LockedAccounts {
  readonly byId = new Map<string, LockedAccount>();
  readonly byCode = new Map<string, LockedAccount>();

  add(row: LockedAccountRow): void {
    const totals: Totals = {
      debitsPosted: BigInt(row.debits_posted),
      creditsPosted: BigInt(row.credits_posted),
      debitsPending: BigInt(row.debits_pending),
      creditsPending: BigInt(row.credits_pending),
    };
    const account: LockedAccount = {
      id: String(row.id),
      code: row.code,
      asset: asAsset(row.asset),
      debitsMustNotExceedCredits: row.debits_must_not_exceed_credits,
      creditsMustNotExceedDebits: row.credits_must_not_exceed_debits,
      locked: totals,
      working: { ...totals },
    };
    this.byId.set(account.id, account);
    this.byCode.set(account.code, account);
  }

  get(code: string): LockedAccount {
    const account = this.byCode.get(code);
    assert.ok(account, `account ${code} is locked`);
    return account;
  }
}

const LOCK_COLUMNS = `id, code, asset, debits_must_not_exceed_credits, credits_must_not_exceed_debits,
  debits_posted, credits_posted, debits_pending, credits_pending`;

/** Locks the accounts in id order (LockRows runs above the sort); unknown codes are an error. */
export async function lockAccountsByCode(q: Queryable, codes: string[]): Promise<LockedAccounts> {
  const wanted = [...new Set(codes)];
  const found = await q.query<LockedAccountRow>(
    `SELECT ${LOCK_COLUMNS} FROM ledger_account WHERE code = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [wanted],
  );
  const accounts = new LockedAccounts();
  for (const row of found.rows) accounts.add(row);
  assertAccountsKnown(accounts, wanted);
  return accounts;
}

/** Throws unknown_account naming every code in `wanted` (distinct, in order) that `accounts` lacks. */
export function assertAccountsKnown(accounts: LockedAccounts, wanted: string[]): void {
  const missing = wanted.filter((code) => !accounts.byCode.has(code));
  if (missing.length > 0) {
    throw new LedgerError('unknown_account', `unknown account ${missing.join(', ')}`, {
      accountCodes: missing,
    });
  }
}

/** The accounts of a hold's lines, locked in id order; they exist (journal lines reference them). */
export async function lockAccountsById(q: Queryable, ids: string[]): Promise<LockedAccounts> {
  const wanted = [...new Set(ids)];
  const found = await q.query<LockedAccountRow>(
    `SELECT ${LOCK_COLUMNS} FROM ledger_account WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
    [wanted],
  );
  assert.equal(found.rows.length, wanted.length, 'every account of a journal line exists');
  const accounts = new LockedAccounts();
  for (const row of found.rows) accounts.add(row);
  return accounts;
}
