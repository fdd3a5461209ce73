// Deposit side effects: the three ledger postings of a deposit and its AML screening. Each posting's
// idempotency key is `<workflowId>/<step>`, taken from the activity's own context, so a retry (even
// after the entry committed and the worker died) returns the first entry instead of posting twice.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type pg from 'pg';
import { ensureClientAccounts, ensureSystemAccounts, isLedgerError, postEntry } from '../db/ledger/index.js';
import { screen, type AmlPolicy } from '../domain/aml.js';
import { DEPOSIT_TYPE, type DepositScreening } from '../domain/deposit.js';
import { ASSETS, formatAmount, parseAmount, type AssetCode } from '../domain/money.js';
import { depositClear, depositConfirm, depositReturn, type PostingRecipe } from '../domain/postings.js';
import type { AmlDataPartner } from './aml-data.js';

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

export function createDepositActivities(deps: DepositActivityDeps) {
  const { pool } = deps;

  async function post(step: DepositPostingStep, input: DepositPostingInput): Promise<DepositPostingResult> {
    const info = Context.current().info;
    const execution = info.workflowExecution;
    if (!execution)
      throw ApplicationFailure.nonRetryable('deposit postings run from a workflow', 'invalid_call');
    const idempotencyKey = `${execution.workflowId}/${step}`;
    const amount = parseAmount(input.currency, input.amount);
    try {
      if (step === 'confirm') await ensureDepositAccounts(pool, input.clientId, input.currency);
      const entry = await postEntry(pool, {
        idempotencyKey,
        workflowId: execution.workflowId,
        runId: execution.runId,
        activity: info.activityType,
        ...RECIPES[step](input.clientId, input.currency, amount),
      });
      await deps.hooks?.afterPosting?.({ step, idempotencyKey, entryId: entry.id, attempt: info.attempt });
      return { entryId: entry.id, idempotencyKey };
    } catch (error) {
      // The ledger said no for a business reason: retrying cannot help.
      if (isLedgerError(error)) {
        throw ApplicationFailure.create({
          type: error.code,
          message: error.message,
          nonRetryable: true,
          details: error.details ? [error.details] : [],
        });
      }
      throw error;
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

    /** Gathers the facts (velocity from the read model, country rating from the partner) and applies the AML rules. */
    async screenDeposit(input: ScreenDepositInput): Promise<DepositScreening> {
      const info = Context.current().info;
      const workflowId = info.workflowExecution?.workflowId ?? '';
      const recent = await recentDeposits(pool, {
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
    },
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
