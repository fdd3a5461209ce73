// Bank accounts on the lifecycle kit (api/lifecycle-kit): the descriptor, the registration (its input
// checks; the row is inserted before its verification workflow starts) and the actions as data —
// verify, reject (operations) and remove (the client; refused while a withdrawal to the account is
// in flight). The JSON routes and the pages call these same functions, so every rule is applied once.
import { z } from 'zod';
import {
  DuplicateBankAccountError,
  getBankAccounts,
  insertBankAccount,
  openWithdrawalsTo,
} from '../../db/bank-accounts/index.js';
import {
  BANK_ACCOUNT_PERMISSIONS,
  BANK_ACCOUNT_STATUSES,
  BANK_ACCOUNT_TRANSITIONS,
  BANK_ACCOUNT_TYPE,
  DEFAULT_BANK_ACCOUNT_POLICY,
  bankAccountStaticSummary,
  bankAccountWorkflowId,
  checkBankAccountFields,
  type BankAccountInput,
} from '../../domain/bank-account.js';
import { isClient } from '../../domain/roles.js';
import {
  bankAccount,
  bankAccountStartedUpdate,
  rejectBankAccountUpdate,
  removeBankAccountUpdate,
  verifyBankAccountUpdate,
} from '../../workflows/bank-account.js';
import {
  recordFromDetail,
  recordFromLifecycle,
  toBankAccountView,
  type BankAccountView,
} from '../bank-account-view.js';
import type { AppDeps } from '../deps.js';
import { invalidState } from '../errors.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import { listQuerySchema, textField, uuidSchema } from '../validate.js';
import { actorOf, parseInput, type SessionUser } from './common.js';
import { accountRowsLoader, statusAudit, storeRegistration } from './verified-accounts.js';
import { decisionBodySchemas, noteArgs, reasonArgs } from './decision-bodies.js';

export { BankAccountSchema, type BankAccountView } from '../bank-account-view.js';

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

export const { note: VerifyBankAccountBodySchema, reason: RejectBankAccountBodySchema } = decisionBodySchemas(
  'Verify',
  'BankAccount',
);

// ---- the lifecycle ---------------------------------------------------------------------------------

const bankAccounts = lifecycleService({
  type: BANK_ACCOUNT_TYPE,
  noun: 'bank account',
  workflowId: bankAccountWorkflowId,
  transitions: BANK_ACCOUNT_TRANSITIONS,
  permissions: BANK_ACCOUNT_PERMISSIONS,
  startedUpdate: bankAccountStartedUpdate,
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromLifecycle,
  load: accountRowsLoader(getBankAccounts),
  view: toBankAccountView,
  audit: statusAudit,
});

export const getBankAccountFor = bankAccounts.get;
/** getBankAccountFor of each of `ids` at once, the ones it would refuse left out (staff list pages). */
export const getBankAccountsFor = bankAccounts.getMany;
export const listBankAccountsFor = bankAccounts.lister(ListBankAccountsQuerySchema);

/** Any VERIFIED accounts of `user` (a client), for forms that pick a payee (withdrawals). */
export async function verifiedBankAccountsOf(deps: AppDeps, user: SessionUser): Promise<BankAccountView[]> {
  return (await listBankAccountsFor(deps, user, { status: 'VERIFIED', limit: 200 })).items;
}

// ---- registering ----------------------------------------------------------------------------------

/**
 * POST /bank-accounts. IBAN and BIC are checked and normalised (400 with every problem in words);
 * the id comes from the caller's Idempotency-Key, so a retried request finds the same account and
 * the same workflow; the same key with other details is 409 idempotency_conflict. The client's
 * same IBAN already pending or verified is 409 bank_account_exists. The row is stored first (the
 * unique IBAN decides), then the workflow starts; a retry after a 503 finds both.
 */
export async function createBankAccount(
  deps: AppDeps,
  user: SessionUser,
  body: Record<string, unknown>,
  idempotencyKey: string,
): Promise<BankAccountView> {
  const { id, fields } = await storeRegistration(deps, user, body, idempotencyKey, {
    noun: 'bank account',
    type: BANK_ACCOUNT_TYPE,
    // Types first (zod); missing fields are left to the domain check, which words every problem.
    check: (raw) => checkBankAccountFields(parseInput(CreateBankAccountBodySchema.partial(), raw, 'body')),
    insert: insertBankAccount,
    duplicate: {
      error: DuplicateBankAccountError,
      code: 'bank_account_exists',
      message: 'you already registered this IBAN; it is pending verification or verified',
    },
    same: (account, asked) =>
      account.iban === asked.iban &&
      account.bic === asked.bic &&
      account.accountName === asked.accountName &&
      account.bankName === asked.bankName &&
      account.country === asked.country,
  });

  const input: BankAccountInput = {
    ...fields,
    bankAccountId: id,
    clientId: user.id,
    policy: DEFAULT_BANK_ACCOUNT_POLICY,
    requestedBy: actorOf(user),
  };
  return bankAccounts.start(deps, user, {
    businessId: id,
    workflow: bankAccount,
    args: [input],
    staticSummary: `${bankAccountStaticSummary(input)} (${user.email})`,
    // The row under this key was compared with the body above.
    conflicts: () => false,
    audit: { iban: fields.iban, bic: fields.bic, country: fields.country },
  });
}

// ---- actions --------------------------------------------------------------------------------------

export const verifyBankAccount = bankAccounts.action('verify', {
  update: verifyBankAccountUpdate,
  body: VerifyBankAccountBodySchema,
  args: noteArgs,
});

export const rejectBankAccount = bankAccounts.action('reject', {
  update: rejectBankAccountUpdate,
  body: RejectBankAccountBodySchema,
  args: reasonArgs,
});

const remove = bankAccounts.action('remove', {
  update: removeBankAccountUpdate,
  args: () => ({}),
  // A quick answer; the workflow's removal activity checks again under a row lock.
  before: async (deps, detail) => {
    const open = await openWithdrawalsTo(deps.pool, detail.businessId);
    if (open.length > 0) {
      throw invalidState('this bank account cannot be removed while a withdrawal to it is in flight', {
        status: detail.status,
        openWithdrawals: open.map((w) => w.businessId),
      });
    }
  },
});

/** DELETE /bank-accounts/:id: marks the account REMOVED; 409 while a withdrawal to it is in flight. */
export const removeBankAccountFor = (deps: AppDeps, user: SessionUser, id: string, requestId: string) =>
  remove(deps, user, id, {}, requestId);
