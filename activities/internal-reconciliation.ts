// The internal reconciliation's one activity: read the trial balance, every account's totals and our
// omnibus positions at the registries, compare them (domain/reconciliation/internal.ts), and store the
// run with one break and one inbox task per difference (db/reconciliation/internal.ts), once.
import type pg from 'pg';
import { trialBalance } from '../db/ledger/index.js';
import { accountBalances, storeInternalRun } from '../db/reconciliation/index.js';
import { ASSET_CODES, ASSETS } from '../domain/money.js';
import { internalDifferences } from '../domain/reconciliation/internal.js';
import { PLATFORM_REGISTRY_ACCOUNTS, REGISTRY_CODES, type RegistryAdapter } from './registry-adapter.js';

export interface InternalRunInput {
  runId: string;
  workflowId: string;
  breakDueMs: number;
}

export function createInternalReconciliationActivities(deps: { pool: pg.Pool; registry: RegistryAdapter }) {
  return {
    async runInternalReconciliation(
      input: InternalRunInput,
    ): Promise<{ differences: number; checks: Record<string, number> }> {
      const [trial, accounts] = [await trialBalance(deps.pool), await accountBalances(deps.pool)];
      const registryPositions = new Map<string, bigint>();
      for (const registry of REGISTRY_CODES) {
        const ours = PLATFORM_REGISTRY_ACCOUNTS[registry].omnibus;
        for (const p of await deps.registry.positions(registry))
          if (p.account === ours)
            registryPositions.set(p.asset, (registryPositions.get(p.asset) ?? 0n) + p.quantity);
      }
      const outcome = internalDifferences({
        trialBalance: trial.assets.map((a) => ({
          asset: a.asset,
          debitsMinor: a.debits,
          creditsMinor: a.credits,
          pendingDebitsMinor: a.pendingDebits,
          pendingCreditsMinor: a.pendingCredits,
        })),
        accountMismatches: trial.accountMismatches.map((m) => ({
          code: m.code,
          asset: m.asset,
          total: m.total,
          recordedMinor: m.recorded,
          linesMinor: m.lines,
        })),
        accounts,
        registryPositions: [...registryPositions].map(([asset, quantityMinor]) => ({ asset, quantityMinor })),
        registryAssets: ASSET_CODES.filter((code) => ASSETS[code].kind === 'certificate'),
      });
      const at = new Date().toISOString();
      const stored = await storeInternalRun(deps.pool, {
        runId: input.runId,
        workflowId: input.workflowId,
        checks: outcome.checked,
        differences: outcome.differences,
        dueAt: new Date(Date.now() + input.breakDueMs).toISOString(),
        at,
      });
      return { differences: stored.differences, checks: outcome.checked };
    },
  };
}

export type InternalReconciliationActivities = ReturnType<typeof createInternalReconciliationActivities>;
