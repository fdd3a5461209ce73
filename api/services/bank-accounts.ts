// Bank accounts: register (insert the row, start its verification workflow), list and read, verify or
// reject (operations, Updates), remove (the client, an Update that refuses while a withdrawal to the
// account is in flight). The JSON routes and the pages call these same functions.
//
// Order of checks for an action: role (403) → body shape (400) → the account exists and the caller
// may see it (404, also for another client's account) → state (409) → the workflow's Update
// validator, authoritative (409 / 403 / 400).
import type { UpdateDefinition } from '@temporalio/client';
import { z } from 'zod';
import {
  DuplicateBankAccountError,
  getBankAccount,
  insertBankAccount,
  listBankAccounts,
  liveTasksOf,
  openWithdrawalsTo,
  timelinesOf,
  type BankAccount,
  type TimelineRow,
} from '../../db/bank-accounts/index.js';
import {
  BANK_ACCOUNT_PERMISSIONS,
  BANK_ACCOUNT_STATUSES,
  BANK_ACCOUNT_TRANSITIONS,
  DEFAULT_BANK_ACCOUNT_POLICY,
  bankAccountStaticSummary,
  bankAccountWorkflowId,
  checkBankAccountFields,
  displayIban,
  type BankAccountAction,
  type BankAccountInput,
  type BankAccountState,
  type BankAccountStatus,
} from '../../domain/bank-account.js';
import { getLifecycle } from '../../db/lifecycle/index.js';
import { authorize, nextStatus, type Actor } from '../../domain/lifecycle.js';
import { ROLES, canReadAllClients, isClient } from '../../domain/roles.js';
import {
  bankAccount,
  rejectBankAccountUpdate,
  removeBankAccountUpdate,
  verifyBankAccountUpdate,
} from '../../workflows/bank-account.js';
import { auditStaffAction } from '../audit/log.js';
import { TimelineEntrySchema } from '../deposit-view.js';
import type { AppDeps } from '../deps.js';
import { conflict, forbidden, invalidState, notFound, validationFailed } from '../errors.js';
import { idempotentUuid } from '../idempotency.js';
import { listQuerySchema, textField, uuidSchema } from '../validate.js';
import {
  actorOf,
  isUuidText,
  listOwner,
  listPage,
  parseInput,
  refusalToApiError,
  requireActionRole,
  requireIdempotencyKey,
  type SessionUser,
} from './common.js';
import { allowedHumanActions } from './lifecycle-records.js';
import { runLifecycleUpdate, startLifecycle } from './temporal.js';

// ---- schemas (also the OpenAPI document) ----------------------------------------------------------

export const CreateBankAccountBodySchema = z
  .object({
    iban: textField({ max: 64 }).meta({
      example: 'DE89 3704 0044 0532 0130 00',
      description: 'Spaces and lower case are fine',
    }),
    bic: textField({ max: 32 }).meta({
      example: 'COBADEFFXXX',
      description: 'BIC / SWIFT code, 8 or 11 characters',
    }),
    accountName: textField({ max: 200 }).meta({ example: 'Ada Lovelace', description: 'The account holder' }),
    bankName: textField({ max: 200 }).meta({ example: 'Commerzbank' }),
    country: textField({ max: 8 }).meta({
      example: 'DE',
      description: 'ISO 3166 code of the bank; the IBAN’s country',
    }),
  })
  .meta({ id: 'CreateBankAccountBody' });

export const ListBankAccountsQuerySchema = listQuerySchema.extend({
  status: z.enum(BANK_ACCOUNT_STATUSES).optional(),
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: one client’s accounts' }),
});

export const VerifyBankAccountBodySchema = z
  .object({ note: textField({ max: 2000, multiline: true }).nullish() })
  .meta({ id: 'VerifyBankAccountBody' });
export const RejectBankAccountBodySchema = z
  .object({ reason: textField({ max: 2000, required: true, multiline: true }) })
  .meta({ id: 'RejectBankAccountBody' });

const HUMAN_ACTIONS = ['verify', 'reject', 'remove'] as const;

export const BankAccountSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string().meta({ example: 'bank-account-0b6f1c0e-…' }),
    status: z.enum(BANK_ACCOUNT_STATUSES),
    clientId: z.uuid(),
    iban: z.string().meta({ example: 'DE89370400440532013000', description: 'Electronic format' }),
    ibanDisplay: z.string().meta({ example: 'DE89 3704 0044 0532 0130 00' }),
    bic: z.string().meta({ example: 'COBADEFFXXX' }),
    accountName: z.string(),
    bankName: z.string(),
    country: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    verifiedAt: z.string().nullable(),
    rejectedAt: z.string().nullable(),
    rejectionReason: z.string().nullable(),
    removedAt: z.string().nullable(),
    verifiedBy: z.uuid().nullable().optional().meta({ description: 'Staff and auditors only' }),
    verificationNote: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
    clientEmail: z.string().nullable().optional().meta({ description: 'Staff and auditors only' }),
    allowedActions: z.array(z.enum(HUMAN_ACTIONS)),
    timeline: z.array(TimelineEntrySchema),
    openTasks: z
      .array(
        z.object({
          id: z.uuid(),
          kind: z.string(),
          status: z.string(),
          assignee: z.uuid().nullable(),
          dueAt: z.string().nullable(),
        }),
      )
      .optional()
      .meta({ description: 'Staff and auditors only' }),
  })
  .meta({ id: 'BankAccount' });

export type BankAccountView = z.infer<typeof BankAccountSchema>;

// ---- views ----------------------------------------------------------------------------------------

const ACTOR_ROLES = new Set<string>(ROLES);

async function viewsOf(
  deps: AppDeps,
  user: SessionUser,
  accounts: BankAccount[],
): Promise<BankAccountView[]> {
  const staff = !isClient(user.role);
  const ids = accounts.map((a) => a.workflowId);
  const [timelines, tasks, emails] = await Promise.all([
    timelinesOf(deps.pool, ids),
    staff ? liveTasksOf(deps.pool, ids) : Promise.resolve(null),
    staff
      ? emailsOf(
          deps,
          accounts.map((a) => a.clientId),
        )
      : Promise.resolve(null),
  ]);
  return accounts.map((account) => {
    const view: BankAccountView = {
      id: account.id,
      workflowId: account.workflowId,
      status: account.status,
      clientId: account.clientId,
      iban: account.iban,
      ibanDisplay: displayIban(account.iban),
      bic: account.bic,
      accountName: account.accountName,
      bankName: account.bankName,
      country: account.country,
      createdAt: account.createdAt,
      updatedAt: account.updatedAt,
      verifiedAt: account.verifiedAt,
      rejectedAt: account.rejectedAt,
      rejectionReason: account.rejectionReason,
      removedAt: account.removedAt,
      allowedActions: allowedHumanActions(
        BANK_ACCOUNT_TRANSITIONS,
        BANK_ACCOUNT_PERMISSIONS,
        HUMAN_ACTIONS,
        account.status,
        user,
        account.clientId,
      ),
      timeline: (timelines.get(account.workflowId) ?? []).map((entry: TimelineRow) => ({
        ...entry,
        actor:
          entry.actor && ACTOR_ROLES.has(entry.actor.role)
            ? { id: entry.actor.id, role: entry.actor.role as (typeof ROLES)[number] }
            : null,
      })),
    };
    if (staff) {
      view.verifiedBy = account.verifiedBy;
      view.verificationNote = account.verificationNote;
      view.clientEmail = emails?.get(account.clientId) ?? null;
      view.openTasks = tasks?.get(account.workflowId) ?? [];
    }
    return view;
  });
}

async function emailsOf(deps: AppDeps, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await deps.pool.query<{ id: string; email: string }>(
    `SELECT id, email FROM app_user WHERE id = ANY($1::uuid[])`,
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, r.email]));
}

async function viewOf(deps: AppDeps, user: SessionUser, account: BankAccount): Promise<BankAccountView> {
  return (await viewsOf(deps, user, [account]))[0]!;
}

// ---- reading --------------------------------------------------------------------------------------

/** The account if `user` may see it; otherwise 404 (no existence leak). */
async function loadVisible(deps: AppDeps, user: SessionUser, id: string): Promise<BankAccount> {
  if (!isUuidText(id)) throw notFound('no such bank account');
  const account = await getBankAccount(deps.pool, id.toLowerCase());
  if (!account) throw notFound('no such bank account');
  if (!canReadAllClients(user.role) && account.clientId !== user.id) throw notFound('no such bank account');
  return account;
}

export async function getBankAccountFor(
  deps: AppDeps,
  user: SessionUser,
  id: string,
): Promise<BankAccountView> {
  return viewOf(deps, user, await loadVisible(deps, user, id));
}

export async function listBankAccountsFor(
  deps: AppDeps,
  user: SessionUser,
  query: { status?: string; clientId?: string; limit?: number | string; cursor?: string },
): Promise<{ items: BankAccountView[]; nextCursor: string | null }> {
  const q = parseInput(ListBankAccountsQuerySchema, query, 'query');
  const owner = listOwner(user, q.clientId);
  if (owner === null) return { items: [], nextCursor: null };
  const page = await listPage(() =>
    listBankAccounts(deps.pool, {
      clientId: owner.ownerId,
      status: q.status,
      limit: q.limit,
      cursor: q.cursor,
    }),
  );
  return { items: await viewsOf(deps, user, page.items), nextCursor: page.nextCursor };
}

/** Any VERIFIED accounts of `user` (a client), for forms that pick a payee (withdrawals). */
export async function verifiedBankAccountsOf(deps: AppDeps, user: SessionUser): Promise<BankAccountView[]> {
  const page = await listBankAccounts(deps.pool, { clientId: user.id, status: 'VERIFIED', limit: 200 });
  return viewsOf(deps, user, page.items);
}

// ---- registering ----------------------------------------------------------------------------------

/**
 * POST /bank-accounts. IBAN and BIC are checked and normalised (400 with every problem in words);
 * the id comes from the caller's Idempotency-Key, so a retried request finds the same account and
 * the same workflow; the same key with other details is 409 idempotency_conflict. The client's
 * same IBAN already pending or verified is 409 bank_account_exists.
 */
export async function createBankAccount(
  deps: AppDeps,
  user: SessionUser,
  body: Record<string, unknown>,
  idempotencyKey: string,
): Promise<BankAccountView> {
  if (!isClient(user.role)) throw forbidden('only clients register their bank accounts');
  // Types first (zod); missing fields are left to the domain check, which words every problem.
  const parsed = parseInput(CreateBankAccountBodySchema.partial(), body, 'body');
  const checked = checkBankAccountFields(parsed);
  if (!checked.ok) throw validationFailed(checked.issues, checked.issues.map((i) => i.message).join('; '));
  requireIdempotencyKey(idempotencyKey);
  const fields = checked.value;
  const id = idempotentUuid(user.id, idempotencyKey, 'bank_account');

  let account: BankAccount;
  let created: boolean;
  try {
    ({ account, created } = await insertBankAccount(deps.pool, { id, clientId: user.id, ...fields }));
  } catch (error) {
    if (error instanceof DuplicateBankAccountError) {
      throw conflict(
        'bank_account_exists',
        'you already registered this IBAN; it is pending verification or verified',
      );
    }
    throw error;
  }
  if (
    !created &&
    (account.clientId !== user.id ||
      account.iban !== fields.iban ||
      account.bic !== fields.bic ||
      account.accountName !== fields.accountName ||
      account.bankName !== fields.bankName ||
      account.country !== fields.country)
  ) {
    throw conflict(
      'idempotency_conflict',
      'this Idempotency-Key was already used for a different bank account',
    );
  }

  const input: BankAccountInput = {
    ...fields,
    bankAccountId: id,
    clientId: user.id,
    policy: DEFAULT_BANK_ACCOUNT_POLICY,
    requestedBy: actorOf(user),
  };
  const workflowId = bankAccountWorkflowId(id);
  await startLifecycle(deps, bankAccount, {
    start: { workflowId, args: [input], staticSummary: `${bankAccountStaticSummary(input)} (${user.email})` },
    read: () => getLifecycle(deps.pool, workflowId),
    noun: 'bank account',
  });
  const view = await viewOf(deps, user, (await getBankAccount(deps.pool, id)) ?? account);
  // Once per account: a retry after a 503 (the row stored, the workflow not yet recording) still
  // records the creation, and a replay does not record it twice.
  await auditStaffAction(
    deps.pool,
    user,
    'bank_account.create',
    { type: 'bank_account', id },
    null,
    { status: view.status, iban: fields.iban, bic: fields.bic, country: fields.country },
    { once: 'subject' },
  );
  return view;
}

// ---- actions --------------------------------------------------------------------------------------

/**
 * One human action: visible (404) → the caller may do it to this account (403) → its status allows
 * it (409) → `before` (checks that need the account) → the Update.
 */
async function act<Args extends { actor: Actor }>(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  action: BankAccountAction,
  requestId: string,
  update: UpdateDefinition<BankAccountState, [Args]>,
  args: Args,
  before?: (account: BankAccount) => Promise<void>,
): Promise<BankAccountView> {
  const account = await loadVisible(deps, user, id);
  const refused = authorize(BANK_ACCOUNT_PERMISSIONS, action, actorOf(user), account.clientId);
  if (refused) throw refusalToApiError(refused);
  const next = nextStatus(BANK_ACCOUNT_TRANSITIONS, account.status as BankAccountStatus, action);
  if (!next.ok) throw invalidState(next.refusal.message, next.refusal.details ?? { status: account.status });
  await before?.(account);
  return runLifecycleUpdate(deps, user, {
    workflowId: account.workflowId,
    action,
    requestId,
    update,
    args,
    audit: {
      subject: { type: 'bank_account', id: account.id },
      before: { status: account.status },
      after: (state) => ({ status: state.status }),
    },
    view: async () => viewOf(deps, user, (await getBankAccount(deps.pool, account.id)) ?? account),
  });
}

export async function verifyBankAccount(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  body: { note?: string | null },
  requestId: string,
): Promise<BankAccountView> {
  requireActionRole(BANK_ACCOUNT_PERMISSIONS, user, 'verify');
  const parsed = parseInput(VerifyBankAccountBodySchema, body, 'body');
  return act(deps, user, id, 'verify', requestId, verifyBankAccountUpdate, {
    actor: actorOf(user),
    note: parsed.note?.trim() || null,
  });
}

export async function rejectBankAccount(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  body: { reason: string },
  requestId: string,
): Promise<BankAccountView> {
  requireActionRole(BANK_ACCOUNT_PERMISSIONS, user, 'reject');
  const parsed = parseInput(RejectBankAccountBodySchema, body, 'body');
  return act(deps, user, id, 'reject', requestId, rejectBankAccountUpdate, {
    actor: actorOf(user),
    reason: parsed.reason,
  });
}

/**
 * DELETE /bank-accounts/:id: marks the account REMOVED. 409 while a withdrawal to it is in flight
 * (checked here for a quick answer, and again by the workflow's removal activity under a row lock).
 */
export async function removeBankAccountFor(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  requestId: string,
): Promise<BankAccountView> {
  requireActionRole(BANK_ACCOUNT_PERMISSIONS, user, 'remove');
  return act(
    deps,
    user,
    id,
    'remove',
    requestId,
    removeBankAccountUpdate,
    { actor: actorOf(user) },
    async (account) => {
      const open = await openWithdrawalsTo(deps.pool, account.id);
      if (open.length > 0) {
        throw invalidState('this bank account cannot be removed while a withdrawal to it is in flight', {
          status: account.status,
          openWithdrawals: open.map((w) => w.businessId),
        });
      }
    },
  );
}
