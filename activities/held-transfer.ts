// The ledger side of a held outgoing transfer (withdrawals of cash, certificate transfers out): the
// hold placed when the request is accepted and its resolution (posted once the bank or registry
// delivered, voided on every other ending). Keys are `<workflowId>/hold`, `/post` and `/void`,
// taken from the running activity's workflow, so a retried activity never books twice. Each
// lifecycle keeps its own activities (names, inputs, checks) and its own words for a ledger
// refusal (`refuse`).
import type pg from 'pg';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  holdEntry,
  postHold,
  voidHold,
} from '../db/ledger/index.js';
import type { AssetCode } from '../domain/money.js';
import type { HoldResolutionRecipe, PostingRecipe } from '../domain/postings.js';
import { workflowExecution as execution } from './workflow-context.js';

export interface HeldLedger {
  /** The hold this workflow placed already, if any: a retried reservation returns it unchecked. */
  existingHold(): Promise<{ id: string } | null>;
  /** Places the hold (`recipe`, pending) on the client's `asset` accounts, opened if need be. */
  hold(clientId: string, asset: AssetCode, recipe: PostingRecipe): Promise<{ id: string }>;
  /** Delivered: the held amount leaves the books (pending → posted). */
  post(holdEntryId: string, recipe: HoldResolutionRecipe): Promise<{ entryId: string }>;
  /** Any other ending: the held amount is available again. */
  void(holdEntryId: string, recipe: HoldResolutionRecipe): Promise<{ entryId: string }>;
}

/** `refuse` turns a ledger error into the activity's business refusal (it rethrows anything else). */
export function heldLedger(pool: pg.Pool, refuse: (error: unknown) => never): HeldLedger {
  async function resolve(step: 'post' | 'void', holdEntryId: string, recipe: HoldResolutionRecipe) {
    const run = execution();
    try {
      const entry = await (step === 'post' ? postHold : voidHold)(pool, {
        idempotencyKey: `${run.workflowId}/${step}`,
        holdEntryId,
        workflowId: run.workflowId,
        runId: run.runId,
        activity: run.activity,
        ...recipe,
      });
      return { entryId: entry.id };
    } catch (error) {
      refuse(error);
    }
  }

  return {
    async existingHold() {
      const { rows } = await pool.query<{ id: string }>(
        'SELECT id FROM journal_entry WHERE idempotency_key = $1',
        [`${execution().workflowId}/hold`],
      );
      return rows[0] ?? null;
    },

    async hold(clientId, asset, recipe) {
      const run = execution();
      try {
        await ensureSystemAccounts(pool);
        await ensureClientAccounts(pool, clientId, asset);
        return await holdEntry(pool, {
          idempotencyKey: `${run.workflowId}/hold`,
          workflowId: run.workflowId,
          runId: run.runId,
          activity: run.activity,
          ...recipe,
        });
      } catch (error) {
        refuse(error);
      }
    },

    post: (holdEntryId, recipe) => resolve('post', holdEntryId, recipe),
    void: (holdEntryId, recipe) => resolve('void', holdEntryId, recipe),
  };
}
