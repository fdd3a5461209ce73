// Bank accounts (table bank_account): the API inserts a registration (PENDING_VERIFICATION) and reads
// lists; the verification workflow's activities (activities/bank-account.ts) alone change status.
// Withdrawal code asks `usableBankAccount` whether a client may be paid to an account.
import type pg from 'pg';
import {
  clampLimit,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  type Page,
} from '../lifecycle/cursor.js';
import type { BankAccountStatus } from '../../domain/bank-account.js';
import { isUuid } from '../../domain/ids.js';

type Db = pg.Pool | pg.PoolClient;

export interface BankAccount {
  id: string;
  workflowId: string;
  clientId: string;
  /** Electronic format: no spaces, upper case. */
  iban: string;
  bic: string;
  accountName: string;
  bankName: string;
  country: string;
  status: BankAccountStatus;
  createdAt: string;
  updatedAt: string;
  verifiedAt: string | null;
  verifiedBy: string | null;
  verificationNote: string | null;
  rejectedAt: string | null;
  rejectedBy: string | null;
  rejectionReason: string | null;
  removedAt: string | null;
  removedBy: string | null;
}

interface BankAccountRow {
  id: string;
  workflow_id: string;
  client_id: string;
  iban: string;
  bic: string;
  account_name: string;
  bank_name: string;
  country: string;
  status: BankAccountStatus;
  created_at: Date;
  updated_at: Date;
  verified_at: Date | null;
  verified_by: string | null;
  verification_note: string | null;
  rejected_at: Date | null;
  rejected_by: string | null;
  rejection_reason: string | null;
  removed_at: Date | null;
  removed_by: string | null;
}

const COLUMNS = `id, workflow_id, client_id, iban, bic, account_name, bank_name, country, status, created_at,
  updated_at, verified_at, verified_by, verification_note, rejected_at, rejected_by, rejection_reason,
  removed_at, removed_by`;

const iso = (value: Date | null) => value?.toISOString() ?? null;

function toBankAccount(row: BankAccountRow): BankAccount {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    clientId: row.client_id,
    iban: row.iban,
    bic: row.bic,
    accountName: row.account_name,
    bankName: row.bank_name,
    country: row.country,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    verifiedAt: iso(row.verified_at),
    verifiedBy: row.verified_by,
    verificationNote: row.verification_note,
    rejectedAt: iso(row.rejected_at),
    rejectedBy: row.rejected_by,
    rejectionReason: row.rejection_reason,
    removedAt: iso(row.removed_at),
    removedBy: row.removed_by,
  };
}

export async function getBankAccount(db: Db, id: string): Promise<BankAccount | null> {
  if (!isUuid(id)) return null;
  const { rows } = await db.query<BankAccountRow>(`SELECT ${COLUMNS} FROM bank_account WHERE id = $1`, [id]);
  return rows[0] ? toBankAccount(rows[0]) : null;
}

/** The accounts of `ids` (a page's), by id; ids that are not UUIDs or not accounts are left out. */
export async function getBankAccounts(db: Db, ids: readonly string[]): Promise<Map<string, BankAccount>> {
  const uuids = [...new Set(ids.filter((id) => isUuid(id)))];
  if (uuids.length === 0) return new Map();
  const { rows } = await db.query<BankAccountRow>(
    `SELECT ${COLUMNS} FROM bank_account WHERE id = ANY($1::uuid[])`,
    [uuids],
  );
  return new Map(rows.map((row) => [row.id, toBankAccount(row)]));
}

/** The account if `clientId` may be paid to it now (theirs and VERIFIED), else null. */
export async function usableBankAccount(db: Db, clientId: string, id: string): Promise<BankAccount | null> {
  const account = await getBankAccount(db, id);
  return account && account.clientId === clientId && account.status === 'VERIFIED' ? account : null;
}

export interface NewBankAccount {
  id: string;
  clientId: string;
  iban: string;
  bic: string;
  accountName: string;
  bankName: string;
  country: string;
}

export class DuplicateBankAccountError extends Error {
  override readonly name = 'DuplicateBankAccountError';
}

/**
 * Inserts a registration in PENDING_VERIFICATION; an existing row with the same id (a retried
 * request) is returned as it is. Throws DuplicateBankAccountError when the client already has this
 * IBAN pending or verified.
 */
export async function insertBankAccount(
  db: Db,
  account: NewBankAccount,
): Promise<{ account: BankAccount; created: boolean }> {
  try {
    const inserted = await db.query<BankAccountRow>(
      `INSERT INTO bank_account (id, client_id, iban, bic, account_name, bank_name, country, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING_VERIFICATION')
       ON CONFLICT (id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        account.id,
        account.clientId,
        account.iban,
        account.bic,
        account.accountName,
        account.bankName,
        account.country,
      ],
    );
    if (inserted.rows[0]) return { account: toBankAccount(inserted.rows[0]), created: true };
  } catch (error) {
    if ((error as { code?: string; constraint?: string }).constraint === 'bank_account_live_iban_key') {
      throw new DuplicateBankAccountError('this IBAN is already registered');
    }
    throw error;
  }
  const existing = await getBankAccount(db, account.id);
  if (!existing) throw new Error(`bank account ${account.id} vanished`);
  return { account: existing, created: false };
}

export interface ListBankAccountsInput {
  /** A client's own accounts (always set it for a client caller). */
  clientId?: string;
  status?: BankAccountStatus | readonly BankAccountStatus[];
  limit?: number;
  cursor?: string | null;
}

/** Newest first, keyset-paginated. Throws InvalidCursorError. */
export async function listBankAccounts(
  db: Db,
  input: ListBankAccountsInput = {},
): Promise<Page<BankAccount>> {
  const limit = clampLimit(input.limit);
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (input.clientId !== undefined) {
    if (!isUuid(input.clientId)) return { items: [], nextCursor: null };
    conditions.push(`client_id = ${param(input.clientId)}`);
  }
  if (input.status !== undefined) {
    const statuses = typeof input.status === 'string' ? [input.status] : [...input.status];
    conditions.push(`status = ANY(${param(statuses)}::text[])`);
  }
  if (input.cursor) {
    const [createdAt, id] = decodeCursor('bank_account', input.cursor, ['s', 's']) as [string, string];
    if (Number.isNaN(Date.parse(createdAt)) || !isUuid(id)) throw new InvalidCursorError(input.cursor);
    conditions.push(`(created_at, id) < (${param(createdAt)}::timestamptz, ${param(id)}::uuid)`);
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const { rows } = await db.query<BankAccountRow>(
    `SELECT ${COLUMNS} FROM bank_account ${where} ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
    params,
  );
  const items = rows.slice(0, limit).map(toBankAccount);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor('bank_account', [last.createdAt, last.id]) : null,
  };
}

export interface OpenWithdrawal {
  workflowId: string;
  businessId: string;
  status: string;
}

/**
 * Withdrawal lifecycles paying to this account that have not ended (the withdrawal projection keeps
 * `attributes.bankAccountId`). While there is one, the account cannot be removed.
 */
export async function openWithdrawalsTo(db: Db, bankAccountId: string): Promise<OpenWithdrawal[]> {
  const { rows } = await db.query<{ workflow_id: string; business_id: string; status: string }>(
    `SELECT workflow_id, business_id, status FROM lifecycle
      WHERE type = 'withdrawal' AND closed_at IS NULL AND attributes ->> 'bankAccountId' = $1
      ORDER BY created_at`,
    [bankAccountId],
  );
  return rows.map((r) => ({ workflowId: r.workflow_id, businessId: r.business_id, status: r.status }));
}

export { InvalidCursorError };
