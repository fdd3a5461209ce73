// Reconciliation's main paths (issue 12), driven the way the API and the Schedule drive them: a
// statement stored as POST /ops/reconciliations stores it and its workflow started by update-with-start
// of `started`; break actions as the Updates POST /ops/reconciliation-breaks/:id/{resolve,approve}
// send; an internal run started as its Schedule starts one. The Temporal workflow types are
// `reconciliation` and `internalReconciliation`.
//
// The internal run reads the whole ledger of the capture database, so its scenarios come first in
// index.ts (a fresh database is balanced) and each injects exactly the differences it resolves.
// tests/histories/internalReconciliation/before-internal-breaks-stay-open/ keeps the shape of a run
// with differences from before it stayed open (it closed at DIFFERENCES), replayed on its patch.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { ensureSystemAccounts, postEntry } from '../../../db/ledger/index.js';
import { insertStatementFile } from '../../../db/reconciliation/index.js';
import { depositReference } from '../../../domain/deposit.js';
import type { Actor } from '../../../domain/lifecycle.js';
import {
  reconciliationWorkflowId,
  type ReconciliationInput,
  type ReconciliationState,
} from '../../../domain/reconciliation/lifecycle.js';
import { DEFAULT_RECONCILIATION_POLICY } from '../../../domain/reconciliation/policy.js';
import { checkStatement } from '../../../domain/reconciliation/statement-checks.js';
import { parseStatementFile } from '../../../domain/statements/index.js';
import {
  approveInternalAdjustmentUpdate,
  internalReconciliation,
  internalReconciliationStateQuery,
  resolveInternalBreakUpdate,
} from '../../../workflows/internal-reconciliation.js';
import {
  approveAdjustmentUpdate,
  reconciliation,
  reconciliationStartedUpdate,
  reconciliationStateQuery,
  resolveBreakUpdate,
} from '../../../workflows/reconciliation.js';
import { insertPerson } from './people.js';
import type { CaptureContext, Scenario } from './types.js';

const ACCOUNT = 'bank:omnibus:EUR';

/** Each statement scenario on a day of its own, so no other movement falls into its period. */
let nextDay = Date.UTC(2003, 0, 1);
function freshDay(): string {
  nextDay += 10 * 86_400_000;
  return new Date(nextDay).toISOString().slice(0, 10);
}

async function movement(ctx: CaptureContext, day: string, amountMinor: bigint, workflowId?: string) {
  await ensureSystemAccounts(ctx.pool);
  return postEntry(ctx.pool, {
    idempotencyKey: `golden-recon/${randomUUID()}`,
    kind: 'deposit.confirm',
    description: 'golden reconciliation movement',
    transfers: [{ debit: ACCOUNT, credit: 'suspense:EUR', amount: amountMinor }],
    workflowId,
    effectiveAt: new Date(`${day}T10:00:00Z`),
  });
}

/** What POST /ops/reconciliations does with a one-statement CSV file. */
async function imported(ctx: CaptureContext, csv: string, importedBy: Actor) {
  const bytes = new TextEncoder().encode(csv);
  const { format, statements } = parseStatementFile(bytes);
  const parsed = statements[0];
  if (!parsed) throw new Error('the golden statement has no statement');
  const check = checkStatement(parsed, 'EUR');
  const id = randomUUID();
  await insertStatementFile(ctx.pool, {
    bytes,
    format,
    uploadedBy: importedBy.id,
    statements: [
      {
        id,
        source: 'bank',
        accountCode: ACCOUNT,
        parsed,
        consistent: check.consistent,
        problems: check.problems,
      },
    ],
  });
  const input: ReconciliationInput = {
    reconciliationId: id,
    source: 'bank',
    accountCode: ACCOUNT,
    currency: parsed.currency,
    from: parsed.from,
    to: parsed.to,
    lines: parsed.lines.length,
    consistent: check.consistent,
    policy: DEFAULT_RECONCILIATION_POLICY,
    importedBy,
  };
  await ctx.client.workflow.executeUpdateWithStart(reconciliationStartedUpdate, {
    updateId: 'started',
    startWorkflowOperation: new WithStartWorkflowOperation(reconciliation, {
      taskQueue: ctx.taskQueue,
      workflowId: reconciliationWorkflowId(id),
      args: [input],
      staticSummary: `Golden reconciliation of ${ACCOUNT} ${parsed.from}`,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  });
  const handle: WorkflowHandle<typeof reconciliation> = ctx.client.workflow.getHandle(
    reconciliationWorkflowId(id),
  );
  return { id, handle };
}

async function closedAs(handle: WorkflowHandle, status: string): Promise<string> {
  const final = (await handle.result()) as { status: string };
  if (final.status !== status)
    throw new Error(`${handle.workflowId} ended ${final.status}, expected ${status}`);
  return handle.workflowId;
}

/** The workflow's state once matching has ended (the breaks are stored by then). */
async function afterMatching(handle: WorkflowHandle<typeof reconciliation>): Promise<ReconciliationState> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await handle.query(reconciliationStateQuery);
    if (state.status !== 'IMPORTED' && state.status !== 'MATCHING') return state;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} is still ${state.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function breaksOf(ctx: CaptureContext, workflowId: string) {
  const { rows } = await ctx.pool.query<{
    id: string;
    kind: string;
    asset: string;
    difference_minor: string;
  }>(
    `SELECT id, kind, asset, difference_minor::text FROM recon_break WHERE workflow_id = $1 ORDER BY kind, difference_minor`,
    [workflowId],
  );
  return rows;
}

export const reconciliationScenarios: Scenario[] = [
  {
    type: 'reconciliation',
    path: 'all-matched',
    description: 'every line matches a ledger movement (exact reference) → RECONCILED',
    async run(ctx) {
      const ops = await insertPerson(ctx.pool, 'operations');
      const day = freshDay();
      const depositId = randomUUID();
      await movement(ctx, day, 25_000n, `deposit-${depositId}`);
      const csv = [
        'type,currency,booking_date,amount,reference,description',
        `opening,EUR,${day},500.00,,`,
        `entry,EUR,${day},250.00,,wire ${depositReference(depositId)}`,
        `closing,EUR,${day},750.00,,`,
      ].join('\n');
      const { handle } = await imported(ctx, csv, ops);
      return closedAs(handle, 'RECONCILED');
    },
  },
  {
    type: 'reconciliation',
    path: 'breaks-resolved',
    description:
      'three breaks: a line matched by hand, a line dismissed, a ledger movement adjusted by one operator and approved by another → RECONCILED',
    async run(ctx) {
      const ops1 = await insertPerson(ctx.pool, 'operations');
      const ops2 = await insertPerson(ctx.pool, 'operations');
      const day = freshDay();
      const depositId = randomUUID();
      await movement(ctx, day, 10_000n, `deposit-${depositId}`);
      await movement(ctx, day, 5_000n); // the bank never shows it: unmatched_ledger_item
      // Booked the day before the statement's period: what the line is matched to by hand.
      const earlier = await postEntry(ctx.pool, {
        idempotencyKey: `golden-recon/${randomUUID()}`,
        kind: 'deposit.confirm',
        description: 'golden movement outside the period',
        transfers: [{ debit: ACCOUNT, credit: 'suspense:EUR', amount: 3_000n }],
        effectiveAt: new Date(Date.parse(`${day}T10:00:00Z`) - 86_400_000),
      });
      const csv = [
        'type,currency,booking_date,amount,reference,description',
        `opening,EUR,${day},1000.00,,`,
        `entry,EUR,${day},100.00,,wire ${depositReference(depositId)}`,
        `entry,EUR,${day},30.00,LATE-${randomUUID().slice(0, 8)},`,
        `entry,EUR,${day},12.34,FEE-${randomUUID().slice(0, 8)},`,
        `closing,EUR,${day},1142.34,,`,
      ].join('\n');
      const { handle } = await imported(ctx, csv, ops1);
      const state = await afterMatching(handle);
      if (state.status !== 'BREAKS_OPEN' || state.openBreaks !== 3)
        throw new Error(`expected 3 open breaks, got ${state.status} with ${state.openBreaks}`);
      const [ledger, fee, late] = await breaksOf(ctx, handle.workflowId);
      if (!ledger || !fee || !late) throw new Error('the golden breaks are missing');
      await handle.executeUpdate(resolveBreakUpdate, {
        updateId: randomUUID(),
        args: [
          {
            actor: ops1,
            breakId: late.id,
            resolution: 'match',
            entryIds: [earlier.id],
            note: 'booked a day early',
          },
        ],
      });
      await handle.executeUpdate(resolveBreakUpdate, {
        updateId: randomUUID(),
        args: [{ actor: ops1, breakId: fee.id, resolution: 'dismiss', note: 'bank fee, booked next month' }],
      });
      await handle.executeUpdate(resolveBreakUpdate, {
        updateId: randomUUID(),
        args: [{ actor: ops1, breakId: ledger.id, resolution: 'adjust', note: 'never reached the bank' }],
      });
      await handle.executeUpdate(approveAdjustmentUpdate, {
        updateId: randomUUID(),
        args: [{ actor: ops2, breakId: ledger.id }],
      });
      return closedAs(handle, 'RECONCILED');
    },
  },
];

// ---- internal reconciliation -------------------------------------------------------------------

/** What the Schedule starts (its workflow id is the prefix plus the scheduled time). */
async function internalRun(ctx: CaptureContext) {
  return ctx.client.workflow.start(internalReconciliation, {
    taskQueue: ctx.taskQueue,
    workflowId: `internal-reconciliation-golden-${randomUUID()}`,
    args: [{ breakDueMs: DEFAULT_RECONCILIATION_POLICY.breakDueMs }],
  });
}

/**
 * Certificates the ledger shows in our registry omnibus account that the registry never had (or,
 * negative, the entry that takes them out again).
 */
async function registryDifference(ctx: CaptureContext, asset: 'EUA' | 'CEA', quantity: bigint) {
  await ensureSystemAccounts(ctx.pool);
  const [omnibus, suspense] = [`registry:omnibus:${asset}`, `suspense:${asset}`];
  await postEntry(ctx.pool, {
    idempotencyKey: `golden-internal/${randomUUID()}`,
    kind: 'recon.adjust',
    description: 'golden: certificates the registry never delivered',
    transfers: [
      quantity > 0n
        ? { debit: omnibus, credit: suspense, amount: quantity }
        : { debit: suspense, credit: omnibus, amount: -quantity },
    ],
  });
}

export const internalReconciliationScenarios: Scenario[] = [
  {
    type: 'internalReconciliation',
    path: 'balanced',
    description: 'every check agrees on a balanced ledger → BALANCED',
    async run(ctx) {
      const handle = await internalRun(ctx);
      return closedAs(handle, 'BALANCED');
    },
  },
  {
    type: 'internalReconciliation',
    path: 'differences',
    description:
      'two registry positions the ledger disagrees with → DIFFERENCES, one break each; one dismissed, one adjusted by one operator and approved by another → RESOLVED',
    async run(ctx) {
      const ops1 = await insertPerson(ctx.pool, 'operations');
      const ops2 = await insertPerson(ctx.pool, 'operations');
      await registryDifference(ctx, 'CEA', 3n);
      await registryDifference(ctx, 'EUA', 5n);
      const handle = await internalRun(ctx);
      const deadline = Date.now() + 30_000;
      let state = await handle.query(internalReconciliationStateQuery);
      while (state.status === 'RUNNING' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        state = await handle.query(internalReconciliationStateQuery);
      }
      if (state.status !== 'DIFFERENCES' || state.openBreaks !== 2)
        throw new Error(`expected 2 differences, got ${state.status} with ${state.openBreaks}`);
      const breaks = await breaksOf(ctx, handle.workflowId);
      const byAsset = (asset: string) =>
        breaks.find((b) => b.kind === 'registry_positions' && b.asset === asset)?.id ?? '';
      await handle.executeUpdate(resolveInternalBreakUpdate, {
        updateId: randomUUID(),
        args: [
          {
            actor: ops1,
            breakId: byAsset('CEA'),
            resolution: 'dismiss',
            note: 'booked in error; reversed by a correcting entry',
          },
        ],
      });
      await handle.executeUpdate(resolveInternalBreakUpdate, {
        updateId: randomUUID(),
        args: [{ actor: ops1, breakId: byAsset('EUA'), resolution: 'adjust', note: 'booked twice' }],
      });
      await handle.executeUpdate(approveInternalAdjustmentUpdate, {
        updateId: randomUUID(),
        args: [{ actor: ops2, breakId: byAsset('EUA') }],
      });
      const closed = await closedAs(handle, 'RESOLVED');
      // The correcting entry the dismissal names: the ledger is left as this scenario found it (the
      // adjustment took the EUA difference back already), so later internal runs see it balanced.
      await registryDifference(ctx, 'CEA', -3n);
      return closed;
    },
  },
];
