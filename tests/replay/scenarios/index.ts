// Every golden-history scenario, by workflow type. To cover a new workflow type (withdrawal, KYC,
// bank account, ...): write tests/replay/scenarios/<type>.ts exporting its main paths, add it
// below, run `npm run histories:capture -- --only <type>` and commit tests/histories/<type>/.
import { depositScenarios } from './deposit.js';
import { pingScenarios } from './ping.js';
import type { Scenario } from './types.js';

export type { CaptureContext, Scenario } from './types.js';

export const scenarios: Scenario[] = [
  ...pingScenarios,
  ...depositScenarios,
  // one line per workflow type, above this comment
];
