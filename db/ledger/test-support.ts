// Helpers for the ledger's own tests (real PostgreSQL, the scratch database of the vitest run).
// Every test uses fresh client ids and its own accounts: test files share one database.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createPool } from '../pool.js';
import type { AssetCode } from '../../domain/money.js';
import { depositClear, depositConfirm } from '../../domain/postings.js';
import { LedgerError, type LedgerErrorCode } from './errors.js';
import { ensureAccount, ensureClientAccounts, ensureSystemAccounts, getAccount } from './accounts.js';
import { postEntry } from './engine.js';
import type { Account, Db } from './types.js';

export function testPool(max = 12): Db {
  return createPool(inject('databaseUrl'), max);
}

export function uniqueKey(prefix: string): string {
  return `${prefix}:${randomUUID()}`;
}

/** A new client with accounts in `asset` and `availableMinor` deposited and cleared. */
export async function fundedClient(db: Db, asset: AssetCode, availableMinor: bigint): Promise<string> {
  const clientId = randomUUID();
  await ensureSystemAccounts(db);
  await ensureClientAccounts(db, clientId, asset);
  if (availableMinor > 0n) {
    await postEntry(db, {
      idempotencyKey: uniqueKey('fund.confirm'),
      ...depositConfirm(clientId, asset, availableMinor),
    });
    await postEntry(db, {
      idempotencyKey: uniqueKey('fund.clear'),
      ...depositClear(clientId, asset, availableMinor),
    });
  }
  return clientId;
}

/** An unflagged equity account of this test alone, a source or sink of any amount. */
export async function scratchAccount(db: Db, asset: AssetCode, label = 'scratch'): Promise<string> {
  const code = `test:${randomUUID()}:${label}:${asset}`;
  await ensureAccount(db, { code, asset, kind: 'equity' });
  return code;
}

export async function accountOf(db: Db, code: string): Promise<Account> {
  const account = await getAccount(db, code);
  if (!account) throw new Error(`no account ${code}`);
  return account;
}

/** Awaits a rejection and returns the LedgerError, failing on anything else. */
export async function ledgerErrorOf(promise: Promise<unknown>, code: LedgerErrorCode): Promise<LedgerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LedgerError && error.code === code) return error;
    throw new Error(`expected LedgerError ${code}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected LedgerError ${code}, but it succeeded`);
}

// A set of accounts for the path-against-path property tests (group-commit.test.ts,
// batched-path.test.ts): 0..2 EUR client-like (debits must not exceed credits), 3 EUR limited the
// other way (credits must not exceed debits), 4 an unflagged EUR source, 5 EUA flagged
// (asset_mismatch against the others), 6 a code that does not exist (unknown_account); plus
// `<prefix>:eua-source`, an unflagged EUA source.
export const SET_MISSING = 6;

export async function openAccountSet(db: Db, prefix: string): Promise<string[]> {
  const codes = Array.from({ length: SET_MISSING + 1 }, (_, i) => `${prefix}:${i}`);
  for (const code of codes.slice(0, 3)) {
    await ensureAccount(db, { code, asset: 'EUR', kind: 'liability', debitsMustNotExceedCredits: true });
  }
  await ensureAccount(db, { code: codes[3]!, asset: 'EUR', kind: 'asset', creditsMustNotExceedDebits: true });
  await ensureAccount(db, { code: codes[4]!, asset: 'EUR', kind: 'equity' });
  await ensureAccount(db, {
    code: codes[5]!,
    asset: 'EUA',
    kind: 'liability',
    debitsMustNotExceedCredits: true,
  });
  await ensureAccount(db, { code: `${prefix}:eua-source`, asset: 'EUA', kind: 'equity' });
  return codes;
}

/** The four totals of every existing account of a set, as comparable text. */
export async function setTotals(db: Db, codes: string[]): Promise<string[]> {
  return Promise.all(
    codes.slice(0, SET_MISSING).map(async (code) => {
      const account = await accountOf(db, code);
      return `${account.debitsPosted}/${account.creditsPosted}/${account.debitsPending}/${account.creditsPending}`;
    }),
  );
}
