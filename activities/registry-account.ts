// Registry-account side effects: asking the registry whether the account exists (and in whose
// name), and writing the verification outcome to registry_account (the table certificate transfers
// check). Idempotent: a retried attempt finds the row already moved and succeeds.
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { recordRegistryAccountOutcome, type RegistryAccountOutcome } from '../db/registry-accounts/index.js';
import type { Registry, RegistryConfirmation } from '../domain/registry-account.js';
import { RegistryUnavailableError, type RegistryAdapter } from './registry-adapter.js';

export interface ConfirmRegistryAccountInput {
  registry: Registry;
  accountId: string;
}

export interface RegistryAccountActivityDeps {
  pool: pg.Pool;
  registry: RegistryAdapter;
}

export function createRegistryAccountActivities(deps: RegistryAccountActivityDeps) {
  const { pool, registry } = deps;
  return {
    /**
     * The registry's word on the account. Unknown to the registry: a refusal for good
     * (`registry_account_not_found`, the operator's 422). The registry down: `registry_unavailable`,
     * retried by the workflow a few times, then handed back to the operator to try later.
     */
    async confirmRegistryAccount(input: ConfirmRegistryAccountInput): Promise<RegistryConfirmation> {
      let answer: { exists: boolean; holderName: string | null };
      try {
        answer = await registry.confirmAccount(input.registry, input.accountId);
      } catch (error) {
        if (error instanceof RegistryUnavailableError) {
          throw ApplicationFailure.retryable(error.message, 'registry_unavailable');
        }
        throw error;
      }
      if (!answer.exists) {
        throw ApplicationFailure.create({
          type: 'registry_account_not_found',
          message: `the ${input.registry} registry does not know account ${input.accountId}`,
          nonRetryable: true,
          details: [{ registry: input.registry, accountId: input.accountId }],
        });
      }
      return { holderName: answer.holderName };
    },

    /** PENDING_VERIFICATION → VERIFIED | REJECTED on the row. */
    async projectRegistryAccount(input: RegistryAccountOutcome): Promise<void> {
      if (await recordRegistryAccountOutcome(pool, input)) return;
      throw ApplicationFailure.nonRetryable(
        `the registry account ${input.id} is not PENDING_VERIFICATION`,
        'invalid_state',
      );
    },
  };
}

export type RegistryAccountActivities = ReturnType<typeof createRegistryAccountActivities>;
