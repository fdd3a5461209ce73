// Deposit side effects: the three ledger postings of a deposit and its AML screening. Each posting's
// idempotency key is `<workflowId>/<step>`, taken from the activity's own context, so a retry (even
// after the entry committed and the worker died) returns the first entry instead of posting twice.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type pg from 'pg';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  inLedgerTransaction,
  postEntry,
  type EntryInput,
} from '../db/ledger/index.js';
import { screen, type AmlPolicy } from '../domain/aml.js';
import { DEPOSIT_TYPE, type DepositScreening } from '../domain/deposit.js';
import { ASSETS, formatAmount, parseAmount, type AssetCode } from '../domain/money.js';
import { depositClear, depositConfirm, depositReturn, type PostingRecipe } from '../domain/postings.js';
import { keepFirstScreening, storedScreening } from '../db/deposits/screenings.js';
import type { AmlDataPartner } from './aml-data.js';
import {
  currentRunId,
  recordTransitionIn,
  type RecordTransitionInput,
  type RecordTransitionResult,
} from './lifecycle.js';
import { ledgerRefusal } from './workflow-context.js';

export type DepositPostingStep = 'confirm' | 'clear' | 'return';

export interface DepositPostingInput {
  clientId: string;
  currency: AssetCode;
  /** The RECEIVED amount, decimal string in asset units. */
  amount: string;
}

export interface DepositPostingResult {
  entryId: string;
  idempotencyKey: string;
}

export interface ScreenDepositInput {
  clientId: string;
  currency: AssetCode;
  announcedAmount: string;
  receivedAmount: string;
  expectedReference: string;
  announcedReference: string | null;
  senderReference: string | null;
  senderCountry: string | null;
  /** Workflow time of the confirmation: the velocity window ends here. */
  asOf: string;
  policy: AmlPolicy;
}

export interface ScreenDepositOnceInput extends ScreenDepositInput {
  /** Which screening of this deposit (1, then 2 after a confirmation refused with its posting). */
  attempt: number;
}

export interface DepositActivityHooks {
  /**
   * Called after a posting committed, before the activity returns. Tests throw here to simulate a
   * worker dying between the commit and the completion report.
   */
  afterPosting?: (event: {
    step: DepositPostingStep;
    idempotencyKey: string;
    entryId: string;
    attempt: number;
  }) => void | Promise<void>;
}

export interface DepositActivityDeps {
  pool: pg.Pool;
  amlData: AmlDataPartner;
  hooks?: DepositActivityHooks;
}

const RECIPES: Record<
  DepositPostingStep,
  (clientId: string, asset: AssetCode, amount: bigint) => PostingRecipe
> = {
  confirm: depositConfirm,
  clear: depositClear,
  return: depositReturn,
};

// Accounts this process has seen exist, per pool: ledger accounts are never removed, so once ensured
// they need no further round trips (four per confirmation before: an insert and a read, twice).
const ensuredAccounts = new WeakMap<pg.Pool, Set<string>>();

/** The first posting of a deposit makes sure its accounts exist (both calls are idempotent). */
async function ensureDepositAccounts(pool: pg.Pool, clientId: string, currency: AssetCode): Promise<void> {
  let ensured = ensuredAccounts.get(pool);
  if (ensured === undefined) {
    ensured = new Set();
    ensuredAccounts.set(pool, ensured);
  }
  if (!ensured.has('system')) {
    await ensureSystemAccounts(pool);
    ensured.add('system');
  }
  const client = `client:${clientId}:${currency}`;
  if (!ensured.has(client)) {
    await ensureClientAccounts(pool, clientId, currency);
    ensured.add(client);
  }
}

/** A posting and the transition it belongs to, recorded together (recordTransitionWithDepositPosting). */
export interface DepositTransitionInput {
  posting: DepositPostingInput & { step: DepositPostingStep };
  transition: RecordTransitionInput;
}

export interface DepositTransitionResult extends RecordTransitionResult {
  /** The posting's entry; null when an earlier attempt had recorded the transition (and its posting). */
  entryId: string | null;
  idempotencyKey: string;
}

export function createDepositActivities(deps: DepositActivityDeps) {
  const { pool } = deps;

  /** The posting's identity: `<workflowId>/<step>` from the activity's own context. */
  function postingOf(step: DepositPostingStep, input: DepositPostingInput): EntryInput {
    const info = Context.current().info;
    const execution = info.workflowExecution;
    if (!execution)
      throw ApplicationFailure.nonRetryable('deposit postings run from a workflow', 'invalid_call');
    return {
      idempotencyKey: `${execution.workflowId}/${step}`,
      workflowId: execution.workflowId,
      runId: execution.runId,
      activity: info.activityType,
      ...RECIPES[step](input.clientId, input.currency, parseAmount(input.currency, input.amount)),
    };
  }

  async function post(step: DepositPostingStep, input: DepositPostingInput): Promise<DepositPostingResult> {
    const entryInput = postingOf(step, input);
    const { idempotencyKey } = entryInput;
    try {
      if (step === 'confirm') await ensureDepositAccounts(pool, input.clientId, input.currency);
      const entry = await postEntry(pool, entryInput);
      await deps.hooks?.afterPosting?.({
        step,
        idempotencyKey,
        entryId: entry.id,
        attempt: Context.current().info.attempt,
      });
      return { entryId: entry.id, idempotencyKey };
    } catch (error) {
      ledgerRefusal(error);
    }
  }

  return {
    /** deposit.confirm: Dr bank:omnibus, Cr client held, for the received amount. */
    async confirmDepositPosting(input: DepositPostingInput): Promise<DepositPostingResult> {
      return post('confirm', input);
    },
    /** deposit.clear: Dr client held, Cr client available. */
    async clearDepositPosting(input: DepositPostingInput): Promise<DepositPostingResult> {
      return post('clear', input);
    },
    /** deposit.return: Dr client held, Cr bank:omnibus (the money goes back to the sender). */
    async returnDepositPosting(input: DepositPostingInput): Promise<DepositPostingResult> {
      return post('return', input);
    },

    /**
     * A posting and its transition in one transaction: the read model first (its (workflow, seq)
     * event is the gate: an attempt that finds it recorded did the posting too, in the same commit),
     * then the posting through the engine, so the accounts stay locked only until the commit. The
     * posting keeps its key `<workflowId>/<step>`, so a posting made by the separate activity of
     * older code is found, not made twice. Run as a local activity (workflows/deposit.ts).
     */
    async recordTransitionWithDepositPosting(
      input: DepositTransitionInput,
    ): Promise<DepositTransitionResult> {
      const { step, ...posting } = input.posting;
      const entryInput = postingOf(step, posting);
      const { idempotencyKey } = entryInput;
      try {
        if (step === 'confirm') await ensureDepositAccounts(pool, posting.clientId, posting.currency);
        const result = await inLedgerTransaction(pool, async (tx) => {
          const recorded = await recordTransitionIn(
            tx.client,
            input.transition,
            entryInput.runId ?? currentRunId(),
          );
          if (!recorded.recorded) return { ...recorded, entryId: null, idempotencyKey };
          const entry = await tx.postEntry(entryInput);
          return { ...recorded, entryId: entry.id, idempotencyKey };
        });
        if (result.entryId !== null) {
          await deps.hooks?.afterPosting?.({
            step,
            idempotencyKey,
            entryId: result.entryId,
            attempt: Context.current().info.attempt,
          });
        }
        return result;
      } catch (error) {
        ledgerRefusal(error);
      }
    },

    /** Gathers the facts (velocity from the read model, country rating from the partner) and applies the AML rules. */
    async screenDeposit(input: ScreenDepositInput): Promise<DepositScreening> {
      return screenNow(deps, input, Context.current().info.workflowExecution?.workflowId ?? '');
    },

    /**
     * screenDeposit as a local activity: the first screening committed for (workflow, attempt) is the
     * answer of every run, so a workflow task retried after a worker died records the status the
     * first run's screening led to (db/deposits/screenings.ts).
     */
    async screenDepositOnce(input: ScreenDepositOnceInput): Promise<DepositScreening> {
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
      if (!workflowId) throw new Error('screenDepositOnce runs inside a deposit workflow only');
      const stored = await storedScreening<DepositScreening>(deps.pool, workflowId, input.attempt);
      if (stored) return stored;
      const { attempt, ...screenInput } = input;
      return keepFirstScreening(
        deps.pool,
        workflowId,
        attempt,
        await screenNow(deps, screenInput, workflowId),
      );
    },
  };
}

/** The AML rules over the facts of now: the read model's velocity and the partner's country rating. */
async function screenNow(
  deps: DepositActivityDeps,
  input: ScreenDepositInput,
  workflowId: string,
): Promise<DepositScreening> {
  const recent = await recentDeposits(deps.pool, {
    clientId: input.clientId,
    currency: input.currency,
    excludeWorkflowId: workflowId,
    asOf: input.asOf,
    windowMs: input.policy.velocityWindowMs,
  });
  const senderCountry = input.senderCountry?.trim().toUpperCase() || null;
  const countryRating = senderCountry ? (await deps.amlData.countryRisk(senderCountry)).rating : null;
  const result = screen(
    {
      asset: input.currency,
      announcedAmount: input.announcedAmount,
      receivedAmount: input.receivedAmount,
      expectedReference: input.expectedReference,
      announcedReference: input.announcedReference,
      receivedReference: input.senderReference,
      recent,
      senderCountry,
      countryRating,
    },
    input.policy,
  );
  return {
    ...result,
    senderCountry,
    countryRating,
    senderReference: input.senderReference,
    recentDeposits: recent,
    screenedAt: input.asOf,
  };
}

/**
 * The client's other deposits of `currency` whose receipt was confirmed within `windowMs` before
 * `asOf`, from the lifecycle read model: how many, and their received total.
 */
export async function recentDeposits(
  pool: pg.Pool,
  query: { clientId: string; currency: AssetCode; excludeWorkflowId: string; asOf: string; windowMs: number },
): Promise<{ count: number; sum: string }> {
  const scale = ASSETS[query.currency].scale;
  const { rows } = await pool.query<{ count: number; minor: string }>(
    `SELECT count(*)::int AS count,
            COALESCE(sum(round((attributes->>'receivedAmount')::numeric * (10 ^ $6::int)::numeric)), 0)::text AS minor
       FROM lifecycle
      WHERE owner_id = $1 AND type = $2 AND workflow_id <> $3
        AND attributes->>'currency' = $4
        AND attributes->>'receivedAmount' IS NOT NULL
        AND (attributes->>'confirmedAt')::timestamptz > $5::timestamptz - make_interval(secs => $7::double precision)
        AND (attributes->>'confirmedAt')::timestamptz <= $5::timestamptz`,
    [
      query.clientId,
      DEPOSIT_TYPE,
      query.excludeWorkflowId,
      query.currency,
      query.asOf,
      scale,
      query.windowMs / 1000,
    ],
  );
  const row = rows[0]!;
  return { count: row.count, sum: formatAmount(query.currency, BigInt(row.minor)) };
}

export type DepositActivities = ReturnType<typeof createDepositActivities>;
