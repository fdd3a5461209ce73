// The reconciliation's side effects: matching a statement against the ledger (in pages, heartbeating,
// over PostgreSQL: the lines never pass through the workflow), and the resolution of its breaks,
// including the adjusting entry (recon.adjust through db/ledger) once a second operator approved it.
import { randomUUID } from 'node:crypto';
import { setImmediate as eventLoopTurn } from 'node:timers/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type pg from 'pg';
import { ensureSystemAccounts, postEntry } from '../db/ledger/index.js';
import {
  BreakRefusal,
  completeAdjustment,
  dismissBreak,
  getBreak,
  getStatementHeader,
  ledgerItemsOfPeriod,
  matchLinesPage,
  openBreakCount,
  otherCurrencyLineIds,
  pendingDeposits,
  proposeAdjustment,
  resolveBreakByMatch,
  storeMatchOutcome,
  type BreakToOpen,
  type LedgerItem,
} from '../db/reconciliation/index.js';
import { isAssetCode } from '../domain/money.js';
import { reconAdjust } from '../domain/postings.js';
import {
  matchSteps,
  type MatchLine,
  type MatchOutcome,
  type MatchSteps,
} from '../domain/reconciliation/matching.js';
import { toleranceMinor, type ReconciliationPolicy } from '../domain/reconciliation/policy.js';
import type { BreakResolution } from '../domain/reconciliation/lifecycle.js';
import { ledgerRefusal } from './workflow-context.js';

/** Rows read per query while loading a statement for matching. */
const PAGE_ROWS = 10_000;
/** At most this many lines or movements per statement (the bench's 100,000 with room). */
const MAX_ROWS = 1_000_000;
/**
 * A heartbeat at least this often while the outcome is stored (batched queries that report nothing
 * themselves). The workflow waits 10 s for one (patched('reconciliation-match-heartbeat-10s')); at
 * MAX_ROWS storing takes about 30 s and the pure matching 6 to 8 s, in steps of a few milliseconds.
 */
const STORE_HEARTBEAT_MS = 1_000;

export interface MatchReconciliationInput {
  reconciliationId: string;
  workflowId: string;
  policy: ReconciliationPolicy;
}

export interface MatchReconciliationResult {
  matched: number;
  openBreaks: number;
}

export interface ResolveBreakInput {
  workflowId: string;
  breakId: string;
  resolution: BreakResolution;
  entryIds: string[] | null;
  note: string | null;
  actorId: string;
  at: string;
}

function refusal(error: unknown): never {
  if (error instanceof BreakRefusal)
    throw ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: true });
  throw error;
}

/**
 * Runs the matching in its steps, heartbeating after each and letting the event loop turn: the SDK
 * sends a heartbeat to Temporal only after an await (worker.ts encodes it asynchronously), so one
 * made inside a synchronous computation of seconds would leave the worker when it has ended.
 */
async function heartbeatingMatch(steps: MatchSteps): Promise<MatchOutcome> {
  const context = Context.current();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    context.heartbeat({ what: 'matching', ...step.value });
    await eventLoopTurn();
  }
}

/** Awaits `work`, heartbeating `details` at once and then every STORE_HEARTBEAT_MS until it settles. */
async function heartbeatingWhile<T>(details: object, work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat(details);
  const timer = setInterval(() => context.heartbeat(details), STORE_HEARTBEAT_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

function tooLarge(what: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'too_large',
    message: `more than ${MAX_ROWS} ${what}`,
    nonRetryable: true,
  });
}

export function createReconciliationActivities(pool: pg.Pool) {
  async function loadAll<T extends { id: string }>(
    page: (afterId: string) => Promise<T[]>,
    what: string,
  ): Promise<T[]> {
    const all: T[] = [];
    let after = '0';
    for (let pages = 0; pages <= MAX_ROWS / PAGE_ROWS; pages++) {
      const rows = await page(after);
      all.push(...rows);
      Context.current().heartbeat({ what, loaded: all.length });
      if (rows.length < PAGE_ROWS) return all;
      after = (rows.at(-1) as T).id;
    }
    throw tooLarge(what);
  }

  return {
    async matchReconciliation(input: MatchReconciliationInput): Promise<MatchReconciliationResult> {
      const header = await getStatementHeader(pool, input.reconciliationId);
      if (!header)
        throw ApplicationFailure.create({
          type: 'not_found',
          message: 'no such statement',
          nonRetryable: true,
        });
      if (header.matchedAt === null) {
        const lines: MatchLine[] = await loadAll(
          (after) => matchLinesPage(pool, header.id, header.currency, after, PAGE_ROWS),
          'statement lines',
        );
        const items: LedgerItem[] = [];
        for await (const rows of ledgerItemsOfPeriod(
          pool,
          header.accountCode,
          header.fromOn,
          header.toOn,
          PAGE_ROWS,
        )) {
          items.push(...rows);
          Context.current().heartbeat({ what: 'ledger movements', loaded: items.length });
          if (items.length > MAX_ROWS) throw tooLarge('ledger movements');
        }
        const asset = header.currency;
        const outcome = await heartbeatingMatch(
          matchSteps(
            lines,
            items,
            {
              toleranceMinor: isAssetCode(asset) ? toleranceMinor(input.policy, asset) : 0n,
              dateWindowDays: input.policy.dateWindowDays,
              dateBasis: input.policy.dateBasis,
              oneToMany: input.policy.oneToMany,
              manyToOne: input.policy.manyToOne,
              maxGroupSize: input.policy.maxGroupSize,
            },
            await pendingDeposits(pool, header.currency),
          ),
        );
        Context.current().heartbeat({ what: 'matched', matches: outcome.matches.length });
        const breaks: BreakToOpen[] = outcome.breaks.map((b) => ({ ...b, id: randomUUID() }));
        if (!header.consistent) {
          const problems = header.problems as { differenceMinor?: string | null; code: string }[];
          const difference =
            problems.map((p) => BigInt(p.differenceMinor ?? '0')).find((d) => d !== 0n) ?? 0n;
          breaks.unshift({
            id: randomUUID(),
            kind: 'statement_inconsistent',
            lineIds: await otherCurrencyLineIds(pool, header.id, header.currency),
            itemIds: [],
            differenceMinor: difference,
            detail: { problems },
          });
        }
        const at = new Date().toISOString();
        const stored = await heartbeatingWhile({ what: 'storing', breaks: breaks.length }, () =>
          storeMatchOutcome(pool, {
            statementId: header.id,
            workflowId: input.workflowId,
            asset,
            items,
            matches: outcome.matches,
            breaks,
            setAside: { rule: 'pending_entry', statuses: ['PENDING'] },
            dueAt: new Date(Date.now() + input.policy.breakDueMs).toISOString(),
            at,
          }),
        );
        return { matched: stored.matchedLines, openBreaks: stored.openBreaks };
      }
      const open = await openBreakCount(pool, input.workflowId);
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM recon_line WHERE statement_id = $1 AND match_status = 'MATCHED'`,
        [header.id],
      );
      return { matched: Number(rows[0]?.n ?? 0), openBreaks: open };
    },

    /** match / dismiss resolve the break at once; adjust proposes the entry for a second operator. */
    async resolveReconciliationBreak(
      input: ResolveBreakInput,
    ): Promise<{ status: string; openBreaks: number }> {
      const change = {
        workflowId: input.workflowId,
        breakId: input.breakId,
        actorId: input.actorId,
        at: input.at,
      };
      try {
        const row =
          input.resolution === 'match'
            ? await resolveBreakByMatch(pool, { ...change, entryIds: input.entryIds ?? [], note: input.note })
            : input.resolution === 'dismiss'
              ? await dismissBreak(pool, { ...change, reason: input.note ?? '' })
              : await proposeAdjustment(pool, { ...change, note: input.note ?? '' });
        return { status: row.status, openBreaks: await openBreakCount(pool, input.workflowId) };
      } catch (error) {
        return refusal(error);
      }
    },

    /** Posts the adjusting entry (Dr omnibus / Cr suspense for a surplus, the reverse for a shortfall). */
    async approveReconciliationAdjustment(input: {
      workflowId: string;
      breakId: string;
      /** The statement's account (informational: the entry is always the asset's omnibus vs suspense). */
      accountCode?: string;
      actorId: string;
      at: string;
    }): Promise<{ entryId: string; openBreaks: number }> {
      const row = await getBreak(pool, input.breakId);
      if (!row || row.workflowId !== input.workflowId)
        throw ApplicationFailure.create({ type: 'not_found', message: 'no such break', nonRetryable: true });
      if (!isAssetCode(row.asset))
        throw ApplicationFailure.create({
          type: 'unprocessable',
          message: `${row.asset} has no ledger`,
          nonRetryable: true,
        });
      const magnitude = row.differenceMinor < 0n ? -row.differenceMinor : row.differenceMinor;
      const recipe = reconAdjust(
        row.asset,
        magnitude,
        row.differenceMinor > 0n ? 'surplus' : 'shortfall',
        `break ${row.id}: ${row.note ?? ''}`,
      );
      await ensureSystemAccounts(pool);
      // The ledger refusing the adjusting entry (insufficient_funds: holds left too little
      // available) is the approval's answer, not an outage retried while the Update waits.
      const entry = await postEntry(pool, {
        idempotencyKey: `${input.workflowId}/adjust/${row.id}`,
        kind: recipe.kind,
        description: recipe.description,
        transfers: recipe.transfers,
        workflowId: input.workflowId,
        activity: 'approveReconciliationAdjustment',
      }).catch((error: unknown) => ledgerRefusal(error));
      try {
        await completeAdjustment(pool, {
          workflowId: input.workflowId,
          breakId: row.id,
          actorId: input.actorId,
          at: input.at,
          entryId: entry.id,
        });
      } catch (error) {
        return refusal(error);
      }
      return { entryId: entry.id, openBreaks: await openBreakCount(pool, input.workflowId) };
    },
  };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
