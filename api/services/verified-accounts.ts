// What the services of a client's external accounts share (bank accounts, registry accounts): what
// a list's views read besides the read model, the audit of a status change, and the registration's
// storing (its checks, the row under the caller's Idempotency-Key, the 409s). Each service keeps
// its own fields, workflow and extra actions.
import type pg from 'pg';
import { userEmails } from '../../db/history/index.js';
import type { FieldIssue } from '../../domain/verified-account.js';
import { isClient } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { conflict, forbidden, validationFailed } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { requireIdempotencyKey, type SessionUser } from './common.js';

/** The descriptor's `load`: the records' own rows and, for staff, their clients' emails. */
export function accountRowsLoader<Account>(
  getAccounts: (pool: pg.Pool, ids: readonly string[]) => Promise<ReadonlyMap<string, Account>>,
) {
  return async (deps: AppDeps, user: SessionUser, records: readonly { id: string; clientId: string }[]) => {
    const [accounts, emails] = await Promise.all([
      getAccounts(
        deps.pool,
        records.map((r) => r.id),
      ),
      isClient(user.role)
        ? null
        : userEmails(
            deps.pool,
            records.map((r) => r.clientId),
          ),
    ]);
    return { accounts, emails };
  };
}

/** The audit of a verification action: the status before and after. */
export const statusAudit = {
  before: (detail: { status: string }) => ({ status: detail.status }),
  after: (state: { status: string }) => ({ status: state.status }),
};

export interface AccountRegistration<Fields, Account> {
  /** "bank account": words the refusals. */
  noun: string;
  /** The lifecycle type (the id's namespace under the caller's key). */
  type: string;
  /** The fields checked and normalised, or every problem in words. */
  check: (body: Record<string, unknown>) => { ok: true; value: Fields } | { ok: false; issues: FieldIssue[] };
  /** Stores the row (or finds the one under this id); throws `duplicate` for the client's same account. */
  insert: (
    pool: pg.Pool,
    row: Fields & { id: string; clientId: string },
  ) => Promise<{ account: Account; created: boolean }>;
  duplicate: { error: new (...args: never[]) => Error; code: string; message: string };
  /** The stored row is the one this body asks for. */
  same: (account: Account, fields: Fields) => boolean;
}

/**
 * A client registers an account: role (403), the fields (400 with every problem in words), the
 * Idempotency-Key; the id comes from that key, so a retried request finds the same row (and then
 * the same workflow); the same key with other details is 409 idempotency_conflict, the client's
 * same account already pending or verified 409 `duplicate.code`. Answers the row's id and fields.
 */
export async function storeRegistration<Fields, Account extends { clientId: string }>(
  deps: AppDeps,
  user: SessionUser,
  body: Record<string, unknown>,
  idempotencyKey: string,
  spec: AccountRegistration<Fields, Account>,
): Promise<{ id: string; fields: Fields }> {
  if (!isClient(user.role)) throw forbidden(`only clients register their ${spec.noun}s`);
  const checked = spec.check(body);
  if (!checked.ok) throw validationFailed(checked.issues, checked.issues.map((i) => i.message).join('; '));
  requireIdempotencyKey(idempotencyKey);
  const fields = checked.value;
  const id = idempotentUuid(user.id, idempotencyKey, spec.type);

  const stored = await spec
    .insert(deps.pool, { ...fields, id, clientId: user.id })
    .catch((error: unknown) => {
      if (!(error instanceof spec.duplicate.error)) throw error;
      throw conflict(spec.duplicate.code, spec.duplicate.message);
    });
  if (!stored.created && !(stored.account.clientId === user.id && spec.same(stored.account, fields))) {
    throw conflict(
      'idempotency_conflict',
      `this Idempotency-Key was already used for a different ${spec.noun}`,
    );
  }
  return { id, fields };
}
