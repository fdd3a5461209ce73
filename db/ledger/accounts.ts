import assert from 'node:assert/strict';
import { ASSET_CODES, isAssetCode, type AssetCode } from '../../domain/money.js';
import {
  CLIENT_ACCOUNT_ROLES,
  clientAccountCode,
  systemAccountDefinitions,
  type AccountKind,
  type ClientAccountRole,
} from '../../domain/postings.js';
import { isUuid } from '../../domain/ids.js';
import { LedgerError } from './errors.js';
import { ACCOUNT_COLUMNS, toAccount, type AccountRow, type Queryable } from './rows.js';
import type { Account, AccountInput, ClientBalance, Db } from './types.js';

const ACCOUNT_KINDS: readonly AccountKind[] = ['asset', 'liability', 'equity', 'revenue', 'expense'];

interface AccountDefinition {
  code: string;
  asset: AssetCode;
  ownerId: string | null;
  kind: AccountKind;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
}

function normalize(input: AccountInput): AccountDefinition {
  const definition: AccountDefinition = {
    code: input.code,
    asset: input.asset,
    ownerId: input.ownerId ? input.ownerId.toLowerCase() : null,
    kind: input.kind,
    debitsMustNotExceedCredits: input.debitsMustNotExceedCredits ?? false,
    creditsMustNotExceedDebits: input.creditsMustNotExceedDebits ?? false,
  };
  if (typeof definition.code !== 'string' || definition.code.length < 1 || definition.code.length > 200) {
    throw new LedgerError('invalid_entry', 'an account code has 1 to 200 characters', {
      code: definition.code,
    });
  }
  if (!isAssetCode(definition.asset)) {
    throw new LedgerError('asset_mismatch', `unknown asset "${String(definition.asset)}"`, {
      code: definition.code,
    });
  }
  if (!ACCOUNT_KINDS.includes(definition.kind)) {
    throw new LedgerError('invalid_entry', `unknown account kind "${String(definition.kind)}"`, {
      code: definition.code,
    });
  }
  if (definition.ownerId !== null && !isUuid(definition.ownerId)) {
    throw new LedgerError('invalid_entry', 'an account owner is a UUID', { code: definition.code });
  }
  if (definition.debitsMustNotExceedCredits && definition.creditsMustNotExceedDebits) {
    throw new LedgerError('invalid_entry', 'an account cannot limit both debits and credits', {
      code: definition.code,
    });
  }
  return definition;
}

function sameDefinition(account: Account, definition: AccountDefinition): boolean {
  return (
    account.asset === definition.asset &&
    account.ownerId === definition.ownerId &&
    account.kind === definition.kind &&
    account.debitsMustNotExceedCredits === definition.debitsMustNotExceedCredits &&
    account.creditsMustNotExceedDebits === definition.creditsMustNotExceedDebits
  );
}

/**
 * Creates the accounts that do not exist (one statement, safe under races) and returns all of them in
 * input order. An existing account with a different definition is an idempotency_conflict.
 */
async function ensureDefinitions(q: Queryable, definitions: AccountDefinition[]): Promise<Account[]> {
  assert.ok(definitions.length > 0, 'ensureDefinitions needs at least one account');
  const codes = definitions.map((d) => d.code);
  assert.equal(new Set(codes).size, codes.length, 'account codes in one call are distinct');
  await q.query(
    `INSERT INTO ledger_account (code, asset, owner_id, kind, debits_must_not_exceed_credits, credits_must_not_exceed_debits)
     SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::boolean[], $6::boolean[])
     ORDER BY 1
     ON CONFLICT (code) DO NOTHING`,
    [
      codes,
      definitions.map((d) => d.asset),
      definitions.map((d) => d.ownerId),
      definitions.map((d) => d.kind),
      definitions.map((d) => d.debitsMustNotExceedCredits),
      definitions.map((d) => d.creditsMustNotExceedDebits),
    ],
  );
  const found = await q.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ledger_account WHERE code = ANY($1::text[])`,
    [codes],
  );
  const byCode = new Map(found.rows.map((row) => [row.code, toAccount(row)]));
  return definitions.map((definition) => {
    const account = byCode.get(definition.code);
    assert.ok(account, `account ${definition.code} exists after ensure`);
    if (!sameDefinition(account, definition)) {
      throw new LedgerError(
        'idempotency_conflict',
        `account ${definition.code} already exists with another definition`,
        {
          code: definition.code,
        },
      );
    }
    return account;
  });
}

/** Idempotent: creates the account or returns the existing one with the same definition. */
export async function ensureAccount(db: Db, input: AccountInput): Promise<Account> {
  const [account] = await ensureDefinitions(db, [normalize(input)]);
  assert.ok(account);
  return account;
}

export function clientAccountDefinitions(clientId: string, asset: AssetCode): AccountDefinition[] {
  return CLIENT_ACCOUNT_ROLES.map((role) =>
    normalize({
      code: clientAccountCode(clientId, asset, role),
      asset,
      ownerId: clientId,
      kind: 'liability',
      debitsMustNotExceedCredits: true,
    }),
  );
}

/** client:<id>:<asset>:available|held|pending_settlement, liabilities that can never go negative. */
export async function ensureClientAccounts(db: Db, clientId: string, asset: AssetCode): Promise<void> {
  if (!isUuid(clientId)) throw new LedgerError('invalid_entry', 'a client id is a UUID', { clientId });
  if (!isAssetCode(asset)) throw new LedgerError('asset_mismatch', `unknown asset "${String(asset)}"`);
  await ensureDefinitions(db, clientAccountDefinitions(clientId, asset));
}

/** The whole system chart (see systemAccountDefinitions in domain/postings.ts). */
export async function ensureSystemAccounts(db: Db): Promise<void> {
  await ensureDefinitions(
    db,
    systemAccountDefinitions().map((definition) => normalize(definition)),
  );
}

export async function getAccount(db: Db, code: string): Promise<Account | null> {
  const found = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_account WHERE code = $1`, [
    code,
  ]);
  const row = found.rows[0];
  return row ? toAccount(row) : null;
}

/** One row per asset in which the client has accounts, in the order of ASSETS. */
export async function getClientBalances(db: Db, clientId: string): Promise<ClientBalance[]> {
  if (!isUuid(clientId)) return [];
  const found = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ledger_account WHERE owner_id = $1 AND code LIKE 'client:%'`,
    [clientId],
  );
  const byAsset = new Map<AssetCode, ClientBalance>();
  for (const row of found.rows) {
    const account = toAccount(row);
    const role = CLIENT_ACCOUNT_ROLES.find(
      (r) => account.code === clientAccountCode(clientId, account.asset, r),
    );
    if (role === undefined) continue;
    const balance = byAsset.get(account.asset) ?? {
      asset: account.asset,
      available: 0n,
      held: 0n,
      pending: 0n,
      pendingSettlement: 0n,
    };
    applyRole(balance, role, account);
    byAsset.set(account.asset, balance);
  }
  return ASSET_CODES.flatMap((asset) => {
    const balance = byAsset.get(asset);
    return balance ? [balance] : [];
  });
}

function applyRole(balance: ClientBalance, role: ClientAccountRole, account: Account): void {
  // A liability's spendable balance: posted credits minus posted debits minus debits reserved by holds.
  const spendable = account.creditsPosted - account.debitsPosted - account.debitsPending;
  switch (role) {
    case 'available':
      balance.available = spendable;
      balance.pending = account.debitsPending;
      break;
    case 'held':
      balance.held = spendable;
      break;
    case 'pending_settlement':
      balance.pendingSettlement = spendable;
      break;
  }
}
