// The deposit lifecycle's main paths (API.md "Deposits"), driven the way the API drives them:
// the workflow started with the client as requester, staff acting through Updates.
import { randomUUID } from 'node:crypto';
import {
  depositPolicy,
  depositReference,
  depositStaticSummary,
  depositWorkflowId,
  type DepositInput,
  type DepositPolicy,
} from '../../../domain/deposit.js';
import type { Actor } from '../../../domain/lifecycle.js';
import { WithStartWorkflowOperation } from '@temporalio/client';
import {
  cancelDepositUpdate,
  confirmDepositUpdate,
  deposit,
  depositStartedUpdate,
  extendDepositUpdate,
  rejectDepositUpdate,
  releaseDepositUpdate,
} from '../../../workflows/deposit.js';
import type { CaptureContext, Scenario } from './types.js';
import { V2_DESCRIPTION, inTheNewShape } from './v2.js';

/** Seconds instead of days, so a capture takes seconds. */
const POLICY: DepositPolicy = depositPolicy({
  announcementWindowMs: 120_000,
  shortHoldMs: 1_500,
  longHoldMs: 3_000,
  amlReviewDueMs: 60_000,
});

async function announce(ctx: CaptureContext, policy: DepositPolicy = POLICY, amount = '1000.00') {
  const client: Actor = await ctx.newClient('EUR');
  const businessId = randomUUID();
  const input: DepositInput = {
    businessId,
    clientId: client.id,
    amount,
    currency: 'EUR',
    reference: depositReference(businessId),
    wireReference: null,
    policy,
    requestedBy: client,
  };
  const handle = await ctx.client.workflow.start(deposit, {
    taskQueue: ctx.taskQueue,
    workflowId: depositWorkflowId(businessId),
    args: [input],
    staticSummary: depositStaticSummary(input),
    workflowIdConflictPolicy: 'FAIL',
  });
  return { handle, input, client };
}

type Handle = Awaited<ReturnType<typeof announce>>['handle'];

const confirm = (
  handle: Handle,
  actor: Actor,
  input: DepositInput,
  senderCountry = 'DE',
  receivedAmount = input.amount,
) =>
  handle.executeUpdate(confirmDepositUpdate, {
    args: [{ actor, receivedAmount, senderCountry, senderReference: input.reference }],
    updateId: randomUUID(),
  });

async function closed(handle: Handle): Promise<string> {
  await handle.result();
  return handle.workflowId;
}

const oneShapeScenarios: Scenario[] = [
  {
    type: 'deposit',
    path: 'happy',
    description: 'announced, confirmed (clean screening), short hold, cleared by the hold timer',
    async run(ctx) {
      const { handle, input } = await announce(ctx);
      await confirm(handle, ctx.staff.operations, input, 'DE', '995.00');
      return closed(handle);
    },
  },
  {
    type: 'deposit',
    path: 'aml-review-release',
    description: 'confirmed from a high-risk country, AML review, released by the officer',
    async run(ctx) {
      const { handle, input } = await announce(ctx, POLICY, '5000.00');
      await confirm(handle, ctx.staff.admin, input, 'IR');
      await handle.executeUpdate(releaseDepositUpdate, {
        args: [{ actor: ctx.staff.aml, note: 'Source of funds documented' }],
        updateId: randomUUID(),
      });
      return closed(handle);
    },
  },
  {
    type: 'deposit',
    path: 'reject',
    description: 'confirmed, AML review, rejected and the funds returned',
    async run(ctx) {
      const { handle, input } = await announce(ctx, POLICY, '2500.00');
      await confirm(handle, ctx.staff.operations, input, 'IR');
      await handle.executeUpdate(rejectDepositUpdate, {
        args: [{ actor: ctx.staff.aml, reason: 'Sender could not be identified' }],
        updateId: randomUUID(),
      });
      return closed(handle);
    },
  },
  {
    type: 'deposit',
    path: 'cancel',
    description: 'announced and cancelled by the client before any money arrived',
    async run(ctx) {
      const { handle, client } = await announce(ctx);
      await handle.executeUpdate(cancelDepositUpdate, { args: [{ actor: client }], updateId: randomUUID() });
      return closed(handle);
    },
  },
  {
    type: 'deposit',
    path: 'expire',
    description: 'announced; no wire within the announcement window, expired by the timer',
    async run(ctx) {
      const { handle } = await announce(ctx, { ...POLICY, announcementWindowMs: 2_000 });
      return closed(handle);
    },
  },
  {
    type: 'deposit',
    path: 'extend',
    description: 'confirmed, on hold, the officer extends the hold, cleared at the new end',
    async run(ctx) {
      const { handle, input } = await announce(ctx);
      const onHold = await confirm(handle, ctx.staff.operations, input);
      const until = new Date(Date.parse(onHold.holdUntil!) + 2_000).toISOString();
      await handle.executeUpdate(extendDepositUpdate, {
        args: [{ actor: ctx.staff.aml, until, note: 'Waiting for the bank to confirm the sender' }],
        updateId: randomUUID(),
      });
      return closed(handle);
    },
  },
  {
    type: 'deposit',
    path: 'kit-start-queued-updates',
    description:
      'started as the API starts it (update-with-start of `started`), confirmed; a release and a reject arrive together: the reject waits its turn and is refused',
    async run(ctx) {
      const client: Actor = await ctx.newClient('EUR');
      const businessId = randomUUID();
      const input: DepositInput = {
        businessId,
        clientId: client.id,
        amount: '5000.00',
        currency: 'EUR',
        reference: depositReference(businessId),
        wireReference: null,
        policy: POLICY,
        requestedBy: client,
      };
      const workflowId = depositWorkflowId(businessId);
      await ctx.client.workflow.executeUpdateWithStart(depositStartedUpdate, {
        updateId: 'started',
        startWorkflowOperation: new WithStartWorkflowOperation(deposit, {
          taskQueue: ctx.taskQueue,
          workflowId,
          args: [input],
          staticSummary: depositStaticSummary(input),
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
      const handle = ctx.client.workflow.getHandle<typeof deposit>(workflowId);
      await handle.executeUpdate(confirmDepositUpdate, {
        args: [
          { actor: ctx.staff.admin, receivedAmount: '5000.00', senderCountry: 'IR', senderReference: 'x' },
        ],
        updateId: `confirm:${randomUUID()}`,
      });
      await Promise.allSettled([
        handle.executeUpdate(releaseDepositUpdate, {
          args: [{ actor: ctx.staff.aml, note: 'Source of funds documented' }],
          updateId: `release:${randomUUID()}`,
        }),
        handle.executeUpdate(rejectDepositUpdate, {
          args: [{ actor: ctx.staff.aml, reason: 'Changed my mind' }],
          updateId: `reject:${randomUUID()}`,
        }),
      ]);
      await handle.result();
      return workflowId;
    },
  },
];

/**
 * The same paths again in the shape of issue 15 (tests/replay/scenarios/v2.ts), each posting also
 * inside its transition's local activity (patched('deposit-posting-with-transition')). The files
 * without the suffix keep the older shape.
 */
const V2_PATHS = ['happy', 'aml-review-release', 'reject', 'kit-start-queued-updates'];

/**
 * And again as `-v3`: the screening a local activity that keeps its first result
 * (patched('deposit-screening-once'), workflows/deposit.ts), so a confirmation is one workflow task.
 */
const V3_PATHS = V2_PATHS;

export const depositScenarios: Scenario[] = [
  ...oneShapeScenarios,
  ...inTheNewShape(oneShapeScenarios, V2_PATHS, `${V2_DESCRIPTION}, postings with their transitions`),
  ...inTheNewShape(
    oneShapeScenarios,
    V3_PATHS,
    `${V2_DESCRIPTION}, postings with their transitions, screening kept by a local activity`,
    'v3',
  ),
];
