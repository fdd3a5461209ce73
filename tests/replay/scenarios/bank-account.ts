// The bank-account verification's main paths (API.md "Bank accounts, KYC, withdrawals"), driven the
// way the API drives them: the registration row inserted, the workflow started with the client as
// requester, operations and the client acting through Updates. The Temporal workflow type is
// `bankAccount`, hence tests/histories/bankAccount/.
//
// "Verified" alone is no golden history: a verified account's workflow stays open (it waits for a
// removal), and only closed runs are pinned. Its path up to and including the verification is the
// beginning of `verify-remove`.
import { randomUUID } from 'node:crypto';
import { insertBankAccount } from '../../../db/bank-accounts/index.js';
import {
  DEFAULT_BANK_ACCOUNT_POLICY,
  bankAccountStaticSummary,
  bankAccountWorkflowId,
  type BankAccountInput,
} from '../../../domain/bank-account.js';
import {
  bankAccount,
  rejectBankAccountUpdate,
  removeBankAccountUpdate,
  verifyBankAccountUpdate,
} from '../../../workflows/bank-account.js';
import { insertPerson } from './people.js';
import type { CaptureContext, Scenario } from './types.js';

/** What POST /bank-accounts does: insert the registration, start its verification workflow. */
async function register(ctx: CaptureContext) {
  const client = await insertPerson(ctx.pool, 'client');
  const id = randomUUID();
  const fields = {
    iban: 'DE89370400440532013000',
    bic: 'COBADEFFXXX',
    accountName: 'Ada Lovelace',
    bankName: 'Commerzbank',
    country: 'DE',
  };
  await insertBankAccount(ctx.pool, { id, clientId: client.id, ...fields });
  const input: BankAccountInput = {
    ...fields,
    bankAccountId: id,
    clientId: client.id,
    policy: DEFAULT_BANK_ACCOUNT_POLICY,
    requestedBy: client,
  };
  const handle = await ctx.client.workflow.start(bankAccount, {
    taskQueue: ctx.taskQueue,
    workflowId: bankAccountWorkflowId(id),
    args: [input],
    staticSummary: bankAccountStaticSummary(input),
    workflowIdConflictPolicy: 'FAIL',
  });
  // verified_by / rejected_by reference app_user: the reviewer is a real row.
  const operations = await insertPerson(ctx.pool, 'operations');
  return { handle, client, operations };
}

type Handle = Awaited<ReturnType<typeof register>>['handle'];

async function closed(handle: Handle): Promise<string> {
  await handle.result();
  return handle.workflowId;
}

export const bankAccountScenarios: Scenario[] = [
  {
    type: 'bankAccount',
    path: 'verify-remove',
    description: 'registered, verified by operations, later removed by the client',
    async run(ctx) {
      const { handle, client, operations } = await register(ctx);
      await handle.executeUpdate(verifyBankAccountUpdate, {
        args: [{ actor: operations, note: 'Holder name matches the KYC documents' }],
        updateId: randomUUID(),
      });
      await handle.executeUpdate(removeBankAccountUpdate, {
        args: [{ actor: client }],
        updateId: randomUUID(),
      });
      return closed(handle);
    },
  },
  {
    type: 'bankAccount',
    path: 'reject',
    description: 'registered, rejected by operations with a reason',
    async run(ctx) {
      const { handle, operations } = await register(ctx);
      await handle.executeUpdate(rejectBankAccountUpdate, {
        args: [{ actor: operations, reason: 'The holder is not the client' }],
        updateId: randomUUID(),
      });
      return closed(handle);
    },
  },
  {
    type: 'bankAccount',
    path: 'remove-unverified',
    description: 'registered, removed by the client before anyone verified it (the task is cancelled)',
    async run(ctx) {
      const { handle, client } = await register(ctx);
      await handle.executeUpdate(removeBankAccountUpdate, {
        args: [{ actor: client }],
        updateId: randomUUID(),
      });
      return closed(handle);
    },
  },
];
