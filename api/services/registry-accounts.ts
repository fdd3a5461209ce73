// Registry accounts on the lifecycle kit (api/lifecycle-kit): the descriptor, the registration (its
// input checks; the row is inserted before its verification workflow starts) and the actions as
// data — verify (the registry confirms the account) and reject, by operations. The JSON routes and
// the pages call these same functions, so every rule is applied once.
import { z } from 'zod';
import {
  DuplicateRegistryAccountError,
  getRegistryAccounts,
  insertRegistryAccount,
  verifiedRegistryAccountsOf,
  type RegistryAccount,
} from '../../db/registry-accounts/index.js';
import {
  DEFAULT_REGISTRY_ACCOUNT_POLICY,
  REGISTRIES,
  REGISTRY_ACCOUNT_PERMISSIONS,
  REGISTRY_ACCOUNT_STATUSES,
  REGISTRY_ACCOUNT_TRANSITIONS,
  REGISTRY_ACCOUNT_TYPE,
  checkRegistryAccountFields,
  registryAccountStaticSummary,
  registryAccountWorkflowId,
  type RegistryAccountInput,
} from '../../domain/registry-account.js';
import { isClient } from '../../domain/roles.js';
import {
  registryAccount,
  registryAccountStartedUpdate,
  rejectRegistryAccountUpdate,
  verifyRegistryAccountUpdate,
} from '../../workflows/registry-account.js';
import type { AppDeps } from '../deps.js';
import { ApiError, temporarilyUnavailable } from '../errors.js';
import { updateErrorToApiError } from '../lifecycle-kit/workflow-calls.js';
import { lifecycleService } from '../lifecycle-kit/service.js';
import {
  recordFromDetail,
  recordFromLifecycle,
  toRegistryAccountView,
  type RegistryAccountView,
} from '../registry-account-view.js';
import { listQuerySchema, textField, uuidSchema } from '../validate.js';
import { actorOf, parseInput, type SessionUser } from './common.js';
import { accountRowsLoader, statusAudit, storeRegistration } from './verified-accounts.js';
import { decisionBodySchemas, noteArgs, reasonArgs } from './decision-bodies.js';

export { RegistryAccountSchema, type RegistryAccountView } from '../registry-account-view.js';

// ---- schemas (also the OpenAPI document) ----------------------------------------------------------

export const CreateRegistryAccountBodySchema = z
  .object({
    registry: z.enum(REGISTRIES).meta({ description: 'EU: the Union Registry (EUA); CN: China’s (CEA)' }),
    accountId: textField({ max: 64 }).meta({
      example: 'EU-100-5012345-0-61',
      description: 'EU: CC-TTT-NNNNNNN-P-DD; CN: CN-<code>-<number>, e.g. CN-HOLD-00012345',
    }),
    holderName: textField({ max: 200 }).meta({ example: 'Ada Lovelace Ltd' }),
  })
  .meta({ id: 'CreateRegistryAccountBody' });

export const ListRegistryAccountsQuerySchema = listQuerySchema.extend({
  status: z.enum(REGISTRY_ACCOUNT_STATUSES).optional(),
  clientId: uuidSchema.optional().meta({ description: 'Staff and auditors: one client’s accounts' }),
});

export const { note: VerifyRegistryAccountBodySchema, reason: RejectRegistryAccountBodySchema } =
  decisionBodySchemas('Verify', 'RegistryAccount');

// ---- the lifecycle ---------------------------------------------------------------------------------

const registryAccounts = lifecycleService({
  type: REGISTRY_ACCOUNT_TYPE,
  noun: 'registry account',
  workflowId: registryAccountWorkflowId,
  transitions: REGISTRY_ACCOUNT_TRANSITIONS,
  permissions: REGISTRY_ACCOUNT_PERMISSIONS,
  startedUpdate: registryAccountStartedUpdate,
  recordOfDetail: recordFromDetail,
  recordOfSummary: recordFromLifecycle,
  load: accountRowsLoader(getRegistryAccounts),
  view: toRegistryAccountView,
  audit: statusAudit,
});

export const getRegistryAccountFor = registryAccounts.get;
/** getRegistryAccountFor of each of `ids` at once, the ones it would refuse left out (staff list pages). */
export const getRegistryAccountsFor = registryAccounts.getMany;
export const listRegistryAccountsFor = registryAccounts.lister(ListRegistryAccountsQuerySchema);

/** The caller's VERIFIED registry accounts (a client's), for the transfer form. */
export async function verifiedRegistryAccountsFor(
  deps: AppDeps,
  user: SessionUser,
): Promise<RegistryAccount[]> {
  return isClient(user.role) ? verifiedRegistryAccountsOf(deps.pool, user.id) : [];
}

// ---- registering ----------------------------------------------------------------------------------

/**
 * POST /registry-accounts. The account id is checked for its registry's shape and normalised (400
 * with every problem in words); the id comes from the caller's Idempotency-Key, so a retried
 * request finds the same account and workflow; the same key with other details is 409
 * idempotency_conflict; the client's same account already pending or verified is 409
 * registry_account_exists.
 */
export async function createRegistryAccount(
  deps: AppDeps,
  user: SessionUser,
  body: Record<string, unknown>,
  idempotencyKey: string,
): Promise<RegistryAccountView> {
  const { id, fields } = await storeRegistration(deps, user, body, idempotencyKey, {
    noun: 'registry account',
    type: REGISTRY_ACCOUNT_TYPE,
    check: (raw) =>
      checkRegistryAccountFields(parseInput(CreateRegistryAccountBodySchema.partial(), raw, 'body')),
    insert: insertRegistryAccount,
    duplicate: {
      error: DuplicateRegistryAccountError,
      code: 'registry_account_exists',
      message: 'you already registered this registry account; it is pending verification or verified',
    },
    same: (account, asked) =>
      account.registry === asked.registry &&
      account.accountId === asked.accountId &&
      account.holderName === asked.holderName,
  });

  const input: RegistryAccountInput = {
    ...fields,
    registryAccountId: id,
    clientId: user.id,
    policy: DEFAULT_REGISTRY_ACCOUNT_POLICY,
    requestedBy: actorOf(user),
  };
  return registryAccounts.start(deps, user, {
    businessId: id,
    workflow: registryAccount,
    args: [input],
    staticSummary: `${registryAccountStaticSummary(input)} (${user.email})`,
    // The row under this key was compared with the body above.
    conflicts: () => false,
    audit: { registry: fields.registry, accountId: fields.accountId },
  });
}

// ---- actions --------------------------------------------------------------------------------------

/** The registry not answering is a 503 (verify again later), not a business refusal. */
function verifyError(error: unknown): unknown {
  const mapped = updateErrorToApiError(error);
  if (mapped instanceof ApiError && mapped.code === 'registry_unavailable')
    return temporarilyUnavailable(mapped.message);
  return mapped;
}

/** Asks the registry first: an account it does not know is 422 registry_account_not_found. */
export const verifyRegistryAccount = registryAccounts.action('verify', {
  update: verifyRegistryAccountUpdate,
  body: VerifyRegistryAccountBodySchema,
  args: noteArgs,
  mapError: verifyError,
});

export const rejectRegistryAccount = registryAccounts.action('reject', {
  update: rejectRegistryAccountUpdate,
  body: RejectRegistryAccountBodySchema,
  args: reasonArgs,
});
