// Registry accounts (table registry_account): the API inserts a registration (PENDING_VERIFICATION);
// the verification workflow's activity (activities/registry-account.ts) alone changes its status.
// Certificate transfers ask `getRegistryAccount` whether a client may use an account.
import type pg from 'pg';
import type { Registry, RegistryAccountStatus } from '../../domain/registry-account.js';
import { isUuid } from '../../domain/ids.js';

type Db = pg.Pool | pg.PoolClient;

export interface RegistryAccount {
  id: string;
  workflowId: string;
  clientId: string;
  registry: Registry;
  accountId: string;
  holderName: string;
  status: RegistryAccountStatus;
  createdAt: string;
  updatedAt: string;
  verifiedAt: string | null;
  verifiedBy: string | null;
  verificationNote: string | null;
  /** The holder's name as the registry answered at verification (null: it did not say). */
  registryHolderName: string | null;
  rejectedAt: string | null;
  rejectedBy: string | null;
  rejectionReason: string | null;
}

interface Row {
  id: string;
  workflow_id: string;
  client_id: string;
  registry: Registry;
  account_id: string;
  holder_name: string;
  status: RegistryAccountStatus;
  created_at: Date;
  updated_at: Date;
  verified_at: Date | null;
  verified_by: string | null;
  verification_note: string | null;
  registry_holder_name: string | null;
  rejected_at: Date | null;
  rejected_by: string | null;
  rejection_reason: string | null;
}

const COLUMNS = `id, workflow_id, client_id, registry, account_id, holder_name, status, created_at, updated_at,
  verified_at, verified_by, verification_note, registry_holder_name, rejected_at, rejected_by, rejection_reason`;

const iso = (value: Date | null) => value?.toISOString() ?? null;

function toRegistryAccount(row: Row): RegistryAccount {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    clientId: row.client_id,
    registry: row.registry,
    accountId: row.account_id,
    holderName: row.holder_name,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    verifiedAt: iso(row.verified_at),
    verifiedBy: row.verified_by,
    verificationNote: row.verification_note,
    registryHolderName: row.registry_holder_name,
    rejectedAt: iso(row.rejected_at),
    rejectedBy: row.rejected_by,
    rejectionReason: row.rejection_reason,
  };
}

export async function getRegistryAccount(db: Db, id: string): Promise<RegistryAccount | null> {
  if (!isUuid(id)) return null;
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM registry_account WHERE id = $1`, [id]);
  return rows[0] ? toRegistryAccount(rows[0]) : null;
}

/** The accounts of `ids` (a page's), by id; ids that are not UUIDs or not accounts are left out. */
export async function getRegistryAccounts(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, RegistryAccount>> {
  const uuids = [...new Set(ids.filter((id) => isUuid(id)))];
  if (uuids.length === 0) return new Map();
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM registry_account WHERE id = ANY($1::uuid[])`, [
    uuids,
  ]);
  return new Map(rows.map((row) => [row.id, toRegistryAccount(row)]));
}

/** A client's VERIFIED accounts, newest first (the transfer form's choices). At most 200. */
export async function verifiedRegistryAccountsOf(db: Db, clientId: string): Promise<RegistryAccount[]> {
  if (!isUuid(clientId)) return [];
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM registry_account WHERE client_id = $1 AND status = 'VERIFIED'
      ORDER BY created_at DESC, id DESC LIMIT 200`,
    [clientId],
  );
  return rows.map(toRegistryAccount);
}

export interface NewRegistryAccount {
  id: string;
  clientId: string;
  registry: Registry;
  accountId: string;
  holderName: string;
}

export class DuplicateRegistryAccountError extends Error {
  override readonly name = 'DuplicateRegistryAccountError';
}

/**
 * Inserts a registration in PENDING_VERIFICATION; an existing row with the same id (a retried
 * request) is returned as it is. Throws DuplicateRegistryAccountError when the client already has
 * this account pending or verified.
 */
export async function insertRegistryAccount(
  db: Db,
  account: NewRegistryAccount,
): Promise<{ account: RegistryAccount; created: boolean }> {
  try {
    const inserted = await db.query<Row>(
      `INSERT INTO registry_account (id, client_id, registry, account_id, holder_name)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [account.id, account.clientId, account.registry, account.accountId, account.holderName],
    );
    if (inserted.rows[0]) return { account: toRegistryAccount(inserted.rows[0]), created: true };
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'registry_account_live_key') {
      throw new DuplicateRegistryAccountError('this registry account is already registered');
    }
    throw error;
  }
  const existing = await getRegistryAccount(db, account.id);
  if (!existing) throw new Error(`registry account ${account.id} vanished`);
  return { account: existing, created: false };
}

export interface RegistryAccountOutcome {
  id: string;
  to: 'VERIFIED' | 'REJECTED';
  actorId: string;
  /** The verification note or the rejection reason. */
  text: string | null;
  /** What the registry answered (verification only). */
  registryHolderName: string | null;
  at: string;
}

/**
 * PENDING_VERIFICATION → VERIFIED | REJECTED. Idempotent: true when the row is (now or already)
 * in `to`, false when it is in another status or missing.
 */
export async function recordRegistryAccountOutcome(db: Db, o: RegistryAccountOutcome): Promise<boolean> {
  const updated =
    o.to === 'VERIFIED'
      ? await db.query(
          `UPDATE registry_account SET status = 'VERIFIED', verified_at = $2, verified_by = $3,
                  verification_note = $4, registry_holder_name = $5, updated_at = $2
            WHERE id = $1 AND status = 'PENDING_VERIFICATION'`,
          [o.id, o.at, o.actorId, o.text, o.registryHolderName],
        )
      : await db.query(
          `UPDATE registry_account SET status = 'REJECTED', rejected_at = $2, rejected_by = $3,
                  rejection_reason = $4, updated_at = $2
            WHERE id = $1 AND status = 'PENDING_VERIFICATION'`,
          [o.id, o.at, o.actorId, o.text],
        );
  if (updated.rowCount === 1) return true;
  return (await getRegistryAccount(db, o.id))?.status === o.to;
}
