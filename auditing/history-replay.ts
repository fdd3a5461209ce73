// Replaying a workflow history against workflow code: @temporalio/worker's replayer, with the same
// code the worker runs (WORKFLOW_BUNDLE_PATH when set, else workflows/index.ts bundled once per
// process). Used by the audit API (POST /audit/workflows/:id/replay), `npm run replay`
// (scripts/replay.ts) and the golden-history tests (tests/replay/).
import { fileURLToPath } from 'node:url';
import type { WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { historyFacts } from '../db/history/index.js';
import { lazyOnce } from '../domain/lazy-once.js';

export type ReplayBundle = { codePath: string } | WorkflowBundle;

export interface ReplayOutcome {
  deterministic: boolean;
  events: number;
  error?: string;
  errorKind?: 'nondeterminism' | 'failure';
  divergence?: { eventId: number | null; eventType: string | null };
}

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** workflows/index.ts bundled once per process, on the first replay that needs it. */
const bundled = lazyOnce(() =>
  import('@temporalio/worker').then(({ bundleWorkflowCode }) =>
    bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
      logger: quietLogger,
    }),
  ),
);

/**
 * The workflow code to replay against: the code the worker runs. WORKFLOW_BUNDLE_PATH (a bundle
 * made by bundleWorkflowCode, as the worker may be given) when set, read at every replay; otherwise
 * workflows/index.ts bundled once per process (a few seconds, on the first replay).
 */
export function currentWorkflowBundle(env: NodeJS.ProcessEnv = process.env): Promise<ReplayBundle> {
  const path = env.WORKFLOW_BUNDLE_PATH?.trim();
  if (path) return Promise.resolve({ codePath: path });
  return bundled.get();
}

/** The event a replayer message names ("... HistoryEvent(id: 12, TimerStarted) ..." and similar). */
export function divergenceOf(
  message: string,
  history: unknown,
): { eventId: number | null; eventType: string | null } {
  const match =
    /HistoryEvent\(\s*id:\s*(\d+)/i.exec(message) ??
    /event[ _]id[:= ]\s*(\d+)/i.exec(message) ??
    /\bevent (\d+)\b/i.exec(message);
  const eventId = match ? Number(match[1]) : null;
  let eventType: string | null = null;
  if (eventId !== null) {
    const events = (history as { events?: { eventId?: unknown; eventType?: unknown }[] }).events ?? [];
    const event = events.find((e) => Number(e.eventId) === eventId);
    eventType = typeof event?.eventType === 'string' ? event.eventType : null;
  }
  return { eventId, eventType };
}

// One replay at a time per process: each builds a replay worker with its own workflow sandbox.
let replayQueue: Promise<unknown> = Promise.resolve();

/**
 * Replays `history` (proto3 JSON, from the audit API, the archive or `temporal workflow show
 * --output json`) against `bundle`. Never throws for a replay that fails: that is the answer.
 */
export async function replayHistoryJson(
  history: unknown,
  options: { workflowId?: string; bundle?: ReplayBundle } = {},
): Promise<ReplayOutcome> {
  const facts = historyFacts(history);
  const bundle = options.bundle ?? (await currentWorkflowBundle());
  // Loaded here, not at the top: the API's modules import this one, and the worker package (its
  // native bridge, webpack for bundling, rxjs) is only needed once someone replays.
  const { ReplayError, Worker } = await import('@temporalio/worker');
  const run = async (): Promise<ReplayOutcome> => {
    try {
      await Worker.runReplayHistory(
        { workflowBundle: bundle, replayName: `audit-replay-${facts.workflowType ?? 'workflow'}` },
        history,
        options.workflowId ?? facts.workflowId ?? 'replayed-workflow',
      );
      return { deterministic: true, events: facts.eventCount };
    } catch (error) {
      if (!(error instanceof DeterminismViolationError || error instanceof ReplayError)) throw error;
      return {
        deterministic: false,
        events: facts.eventCount,
        error: error.message,
        errorKind: error instanceof DeterminismViolationError ? 'nondeterminism' : 'failure',
        divergence: divergenceOf(error.message, history),
      };
    }
  };
  const next = replayQueue.then(run, run);
  replayQueue = next.catch(() => undefined);
  return next;
}
