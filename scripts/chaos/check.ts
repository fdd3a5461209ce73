// The end state of a chaos run, read after the faults stopped and a bounded settle time: every
// lifecycle in its intended final status (read through the API), each projection equal to its
// workflow's own state (the `state` Query) with the workflow open or closed as that status implies,
// no staff task left open, Temporal's task queues drained, the trial balance balanced, and each
// client's balances equal to what the final statuses of its lifecycles imply.
import type { Client } from '@temporalio/client';
import type { ApiClient } from './client.js';
import { sleep } from './random.js';
import { checkInvariants, type InvariantReport } from './check-invariants.js';
import { adoptBatchSettlements } from './check-batch-settlements.js';
import { adoptLostCreates, type LostCreates } from './check-lost.js';
import { minorOf, modelBalances, showMinor, type TransferIn } from './check-model.js';
import {
  descriptorOf,
  pathOf,
  reached,
  RESOURCE_TYPES,
  type Lifecycle,
  type LifecycleKind,
  type Resource,
  type ResourceDescriptor,
  type Staff,
} from './scenarios/index.js';
import type { Stack } from './stack.js';

export interface StuckLifecycle {
  index: number;
  kind: LifecycleKind;
  /** The resource that is not where it should be, if one was created. */
  resource: Pick<Resource, 'type' | 'id' | 'workflowId' | 'intended' | 'lastStatus'> | null;
  /** Why its driver stopped early, if it did. */
  failure: string | null;
}

export interface EndState {
  settledInMs: number;
  stuck: StuckLifecycle[];
  /** Lifecycles in their intended status whose driver still got an answer it should not have. */
  wrongAnswers: StuckLifecycle[];
  /** Projection (API) status differs from the workflow's Query, or the workflow is open/closed wrongly. */
  workflowMismatches: string[];
  openTasks: string[];
  /** Creates whose answer was lost, found by their client reference or key and counted (check-lost.ts). */
  lostCreates: LostCreates;
  /** A run batch's settlements its stopped script never listed, counted (check-batch-settlements.ts). */
  adoptedSettlements: string[];
  /** In place, yet their script stopped before its end (a wait or retries ran out): why, each. */
  stoppedEarly: string[];
  /** Lifecycles the API lists that no client learned the id of (its create answer was lost). */
  orphans: string[];
  backlog: { workflowTasks: number | null; activityTasks: number | null };
  trialBalance: { balanced: boolean; accountsMatchLines: boolean } | null;
  balanceMismatches: string[];
  /** Broken promises of the venue over the fills the orders report (check-model.ts). */
  venueViolations: string[];
  /** Database, Temporal and audit invariants (check-invariants.ts). */
  invariants: InvariantReport;
  /** Reads that did not answer (the check itself could not see something). */
  readProblems: string[];
}

export interface CheckContext {
  stack: Stack;
  api: ApiClient;
  staff: Staff;
  lifecycles: Lifecycle[];
  /** Certificates moved in by the harness (run.ts), part of the balance model. */
  transfersIn: readonly TransferIn[];
  settleMs: number;
  pollMs: number;
  log: (line: string) => void;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

const resourcesOf = (lifecycles: readonly Lifecycle[]) => lifecycles.flatMap((l) => l.resources);

/** Reads a resource through the API as the auditor; records its status. */
async function readStatus(ctx: CheckContext, resource: Resource, problems: string[]): Promise<void> {
  const answer = await ctx.api.send(ctx.staff.auditor, { method: 'GET', path: pathOf(resource, true) });
  if (answer.status === 200 && typeof answer.body?.status === 'string') {
    resource.lastStatus = answer.body.status;
    // The model reads what it needs from the last body (an order's fills, a settlement's trades).
    resource.detail = { ...resource.detail, ...answer.body };
  } else problems.push(`GET ${pathOf(resource, true)}: ${answer.status} ${answer.code ?? ''}`.trim());
}

async function backlog(stack: Stack): Promise<EndState['backlog']> {
  const client = await stack.temporalClient();
  const count = async (taskQueueType: 1 | 2) => {
    const answer = await client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: stack.taskQueue },
      taskQueueType,
      reportStats: true,
    });
    const value = answer.stats?.approximateBacklogCount;
    return value === undefined || value === null ? null : Number(value);
  };
  return { workflowTasks: await count(1), activityTasks: await count(2) };
}

/**
 * Polls what is not yet in its intended status, and the task queues, until all is quiet or
 * `settleMs`; `adopt` adds each round what the batches started undriven and answers how many of
 * their settlements are not listed yet.
 */
async function settle(ctx: CheckContext, adopt: () => Promise<number>): Promise<number> {
  const started = Date.now();
  const rounds = Math.ceil(ctx.settleMs / ctx.pollMs) + 1;
  for (let round = 0; round < rounds; round += 1) {
    // What a stopped script left undriven joins first, so this round waits for it too.
    const unlisted = await adopt();
    const pending = resourcesOf(ctx.lifecycles).filter((r) => !reached(r));
    await eachLimited(pending, 8, (resource) => readStatus(ctx, resource, []));
    const queues = await backlog(ctx.stack).catch(() => ({ workflowTasks: null, activityTasks: null }));
    const quiet =
      unlisted === 0 &&
      resourcesOf(ctx.lifecycles).every((r) => reached(r)) &&
      !queues.workflowTasks &&
      !queues.activityTasks;
    if (quiet || Date.now() - started >= ctx.settleMs) break;
    await sleep(ctx.pollMs);
  }
  return Date.now() - started;
}

function stuckOf(lifecycle: Lifecycle): StuckLifecycle | null {
  const off = lifecycle.resources.find((r) => !reached(r));
  const incomplete = lifecycle.resources.length < descriptorOf(lifecycle.kind).resources;
  if (!off && !incomplete) return null;
  return {
    index: lifecycle.index,
    kind: lifecycle.kind,
    resource: off
      ? {
          type: off.type,
          id: off.id,
          workflowId: off.workflowId,
          intended: off.intended,
          lastStatus: off.lastStatus,
        }
      : null,
    failure: lifecycle.failure,
  };
}

async function compareWithWorkflows(ctx: CheckContext, client: Client, mismatches: string[]): Promise<void> {
  await eachLimited(resourcesOf(ctx.lifecycles), 4, async (resource) => {
    const handle = client.workflow.getHandle(resource.workflowId);
    try {
      const [state, description] = await client.withDeadline(Date.now() + 15_000, () =>
        Promise.all([handle.query<{ status: string }>('state'), handle.describe()]),
      );
      const where = `${resource.type} ${resource.workflowId}`;
      if (state.status !== resource.lastStatus) {
        mismatches.push(`${where}: API says ${resource.lastStatus}, the workflow says ${state.status}`);
      }
      const type: ResourceDescriptor = RESOURCE_TYPES[resource.type];
      const shouldRun = type.open.includes(state.status);
      const running = description.status.name === 'RUNNING';
      if (shouldRun !== running) {
        mismatches.push(`${where}: ${state.status} but the workflow is ${description.status.name}`);
      }
    } catch (error) {
      mismatches.push(
        `${resource.type} ${resource.workflowId}: no answer from the workflow (${(error as Error).message})`,
      );
    }
  });
}

async function listOpenTasks(ctx: CheckContext, problems: string[]): Promise<string[]> {
  const open: string[] = [];
  for (const reader of [ctx.staff.ops, ctx.staff.aml]) {
    let cursor: string | null = null;
    for (let page = 0; page < 50; page += 1) {
      const path: string = `/tasks?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer = await ctx.api.send(reader, { method: 'GET', path });
      if (answer.status !== 200) {
        problems.push(`GET /tasks as ${reader.role}: ${answer.status} ${answer.code ?? ''}`.trim());
        break;
      }
      for (const task of answer.body.items as {
        kind: string;
        status: string;
        subject: { type: string; id: string; status: string | null };
      }[]) {
        open.push(
          `${task.kind} (${task.status}) for ${task.subject.type} ${task.subject.id} in ${task.subject.status}`,
        );
      }
      cursor = answer.body.nextCursor;
      if (!cursor) break;
    }
  }
  return open;
}

/** Every resource a staff list shows (RESOURCE_TYPES `list`) that is none of the run's resources. */
async function listOrphans(ctx: CheckContext, problems: string[]): Promise<string[]> {
  const known = new Set(resourcesOf(ctx.lifecycles).map((r) => r.id));
  const orphans: string[] = [];
  const lists = Object.entries(RESOURCE_TYPES).flatMap(([type, d]: [string, ResourceDescriptor]) =>
    d.list ? [[type, d.list] as const] : [],
  );
  for (const [type, list] of lists) {
    let cursor: string | null = null;
    for (let page = 0; page < 50; page += 1) {
      const path: string = `${list}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer = await ctx.api.send(ctx.staff.ops, { method: 'GET', path });
      if (answer.status !== 200) {
        problems.push(`GET ${list}: ${answer.status} ${answer.code ?? ''}`.trim());
        break;
      }
      for (const item of answer.body.items as { id: string; status: string; clientId: string }[]) {
        if (!known.has(item.id))
          orphans.push(`${type} ${item.id} in ${item.status} (client ${item.clientId})`);
      }
      cursor = answer.body.nextCursor;
      if (!cursor) break;
    }
  }
  return orphans;
}

/**
 * Every client's balances against the checker's own model (check-model.ts): for each asset, what
 * it owns (available + pending + pendingSettlement), what open holds reserve, what AML holds, and
 * what waits for its settlement's delivery.
 */
async function compareBalances(
  ctx: CheckContext,
  mismatches: string[],
  venueViolations: string[],
  problems: string[],
): Promise<Set<string>> {
  const model = modelBalances(ctx.lifecycles, ctx.transfersIn);
  venueViolations.push(...model.venueViolations);
  const owners = new Map<string, Lifecycle>();
  for (const lifecycle of ctx.lifecycles) {
    owners.set(lifecycle.client.id, lifecycle);
    if (lifecycle.counterparty) owners.set(lifecycle.counterparty.id, lifecycle);
  }
  await eachLimited([...owners], 8, async ([clientId, lifecycle]) => {
    const answer = await ctx.api.send(ctx.staff.auditor, {
      method: 'GET',
      path: `/balances?clientId=${clientId}`,
    });
    if (answer.status !== 200) {
      problems.push(`GET /balances of ${clientId}: ${answer.status} ${answer.code ?? ''}`.trim());
      return;
    }
    const rows = answer.body.items as {
      asset: string;
      available: string;
      held: string;
      pending: string;
      pendingSettlement: string;
    }[];
    const expected = model.expected.get(clientId) ?? new Map();
    const assets = new Set([...expected.keys(), ...rows.map((r) => r.asset)]);
    for (const asset of assets) {
      const row = rows.find((r) => r.asset === asset);
      const read = (text: string | undefined) => minorOf(asset, text ?? '0');
      const actual = {
        total: read(row?.available) + read(row?.pending) + read(row?.pendingSettlement),
        pending: read(row?.pending),
        held: read(row?.held),
        pendingSettlement: read(row?.pendingSettlement),
      };
      const want = expected.get(asset) ?? { total: 0n, pending: 0n, held: 0n, pendingSettlement: 0n };
      for (const field of ['total', 'pending', 'held', 'pendingSettlement'] as const) {
        if (actual[field] !== want[field]) {
          mismatches.push(
            `lifecycle ${lifecycle.index} (${lifecycle.kind}) client ${clientId}: ${field} ${showMinor(asset, actual[field])} ${asset}, expected ${showMinor(asset, want[field])}`,
          );
        }
      }
    }
  });
  return model.tradeIds;
}

export async function checkEndState(ctx: CheckContext): Promise<EndState> {
  const readProblems: string[] = [];
  // First, so the settle waits for what a lost answer made, too.
  const lostBefore = await adoptLostCreates(ctx.api, ctx.staff.auditor, ctx.lifecycles, readProblems);
  const adoptedSettlements: string[] = [];
  const settledInMs = await settle(ctx, async () => {
    const round = await adoptBatchSettlements(ctx.api, ctx.staff.ops, ctx.lifecycles, readProblems);
    adoptedSettlements.push(...round.adopted);
    return round.unlisted;
  });
  ctx.log(`settled in ${(settledInMs / 1000).toFixed(1)} s; reading the end state`);
  // Again: a workflow a lost create started may have recorded itself only during the settle.
  const lostAfter = await adoptLostCreates(ctx.api, ctx.staff.auditor, ctx.lifecycles, readProblems);
  const lostCreates: LostCreates = {
    found: [...new Set([...lostBefore.found, ...lostAfter.found])],
    notFound: lostAfter.notFound,
  };
  // One last read of everything, so no status comes from before the settle time.
  await eachLimited(resourcesOf(ctx.lifecycles), 8, (resource) => readStatus(ctx, resource, readProblems));

  const stuck: StuckLifecycle[] = [];
  const wrongAnswers: StuckLifecycle[] = [];
  const stoppedEarly: string[] = [];
  for (const lifecycle of ctx.lifecycles) {
    const found = stuckOf(lifecycle);
    if (found) stuck.push(found);
    // Refused or broken, yet where it should be; giving up on transient answers or a wait is not that.
    else if (lifecycle.failureKind === 'refused' || lifecycle.failureKind === 'harness')
      wrongAnswers.push({
        index: lifecycle.index,
        kind: lifecycle.kind,
        resource: null,
        failure: lifecycle.failure,
      });
    // Where its script implies, yet stopped early (a wait or the retries ran out): not a violation,
    // but named, so what it left undriven (a batch's settlements, adopted above) has its cause.
    else if (lifecycle.failure)
      stoppedEarly.push(
        `#${lifecycle.index} ${lifecycle.kind} (${lifecycle.failureKind}): ${lifecycle.failure}`,
      );
  }

  const workflowMismatches: string[] = [];
  await compareWithWorkflows(ctx, await ctx.stack.temporalClient(), workflowMismatches);
  const openTasks = await listOpenTasks(ctx, readProblems);
  const orphans = await listOrphans(ctx, readProblems);
  const queues = await backlog(ctx.stack).catch((error: Error) => {
    readProblems.push(`describeTaskQueue: ${error.message}`);
    return { workflowTasks: null, activityTasks: null };
  });

  const trial = await ctx.api.send(ctx.staff.auditor, { method: 'GET', path: '/ledger/trial-balance' });
  if (trial.status !== 200)
    readProblems.push(`GET /ledger/trial-balance: ${trial.status} ${trial.code ?? ''}`.trim());
  const balanceMismatches: string[] = [];
  const venueViolations: string[] = [];
  const tradeIds = await compareBalances(ctx, balanceMismatches, venueViolations, readProblems);
  const invariants = await checkInvariants({
    pool: ctx.stack.pool,
    temporal: await ctx.stack.temporalClient(),
    api: ctx.api,
    auditor: ctx.staff.auditor,
    lifecycles: ctx.lifecycles,
    tradeIds,
  });

  return {
    settledInMs,
    stuck,
    wrongAnswers,
    workflowMismatches,
    openTasks,
    lostCreates,
    adoptedSettlements,
    stoppedEarly,
    orphans,
    backlog: queues,
    trialBalance:
      trial.status === 200
        ? {
            balanced: trial.body.balanced === true,
            accountsMatchLines: trial.body.accountsMatchLines === true,
          }
        : null,
    balanceMismatches,
    venueViolations,
    invariants,
    readProblems,
  };
}

/** Every way the end state falls short, one line each (empty: the run passed). */
export function failuresOf(end: EndState): string[] {
  const failures: string[] = [];
  if (end.stuck.length) failures.push(`${end.stuck.length} lifecycle(s) stuck`);
  if (end.wrongAnswers.length)
    failures.push(`${end.wrongAnswers.length} lifecycle(s) got an answer the contract does not allow`);
  if (end.workflowMismatches.length)
    failures.push(`${end.workflowMismatches.length} projection/workflow mismatch(es)`);
  if (end.openTasks.length) failures.push(`${end.openTasks.length} staff task(s) left open`);
  if (end.backlog.workflowTasks || end.backlog.activityTasks)
    failures.push(
      `task queue backlog: ${end.backlog.workflowTasks} workflow, ${end.backlog.activityTasks} activity tasks`,
    );
  if (!end.trialBalance) failures.push('trial balance unreadable');
  else if (!end.trialBalance.balanced || !end.trialBalance.accountsMatchLines)
    failures.push(
      `trial balance: balanced=${end.trialBalance.balanced}, accountsMatchLines=${end.trialBalance.accountsMatchLines}`,
    );
  if (end.balanceMismatches.length)
    failures.push(`${end.balanceMismatches.length} client balance mismatch(es)`);
  if (end.venueViolations.length) failures.push(`${end.venueViolations.length} venue violation(s)`);
  if (end.invariants.violations.length)
    failures.push(`${end.invariants.violations.length} invariant violation(s)`);
  if (end.readProblems.length) failures.push(`${end.readProblems.length} end-state read(s) failed`);
  return failures;
}
