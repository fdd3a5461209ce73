import type pg from 'pg';
import { SimulatedAmlDataPartner, type AmlDataPartner } from './aml-data.js';
import { createDepositActivities, type DepositActivityHooks } from './deposit.js';
import { createLifecycleActivities } from './lifecycle.js';
import { createPingActivities } from './ping.js';
import { createKycActivities } from './kyc.js';
import { createBankAccountActivities } from './bank-account.js';

export interface ActivityDeps {
  pool: pg.Pool;
  /** AML data partner; the simulated one when not given. */
  amlData?: AmlDataPartner;
  /** Test seams around deposit postings (failure injection). */
  depositHooks?: DepositActivityHooks;
}

/** Every activity the worker registers, bound to its dependencies (database, partner adapters). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPingActivities(deps.pool),
    ...createLifecycleActivities(deps.pool),
    ...createDepositActivities({
      pool: deps.pool,
      amlData: deps.amlData ?? new SimulatedAmlDataPartner(),
      hooks: deps.depositHooks,
    }),
    ...createKycActivities(deps.pool),
    ...createBankAccountActivities(deps.pool),
  };
}

export type Activities = ReturnType<typeof createActivities>;
