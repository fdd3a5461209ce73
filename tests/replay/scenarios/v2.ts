// Paths captured again in the shape of issue 15's patches, as `<path>-v2` beside the older files:
// patched('local-transitions') (every transition a local-activity marker instead of an activity
// task), patched('archive-by-sweeper') (no archiveLifecycle child at the end: the worker's sweeper
// archives the closed run; a run closing without a closing transition records the debt with one
// local activity) and, for deposits, patched('deposit-posting-with-transition'). The files without
// the suffix keep the older shapes, which executions started before those patches still have.
import type { Scenario } from './types.js';

export const V2_DESCRIPTION = 'local transitions, archived by the sweeper';

/** The scenarios of `paths` again, as `<path>-v2`; the same runs, captured with the current code. */
export function inTheNewShape(
  scenarios: Scenario[],
  paths: readonly string[],
  what = V2_DESCRIPTION,
  suffix = 'v2',
): Scenario[] {
  const unknown = paths.filter((path) => !scenarios.some((scenario) => scenario.path === path));
  if (unknown.length > 0) throw new Error(`no scenario for the v2 paths ${unknown.join(', ')}`);
  return scenarios
    .filter((scenario) => paths.includes(scenario.path))
    .map((scenario) => ({
      ...scenario,
      path: `${scenario.path}-${suffix}`,
      description: `${scenario.description} (${what})`,
    }));
}
