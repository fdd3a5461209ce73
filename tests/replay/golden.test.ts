// Every golden history (tests/histories/, captured by `npm run histories:capture`) must replay
// against the workflow code of this checkout: a change to a workflow that running executions could
// not follow fails here, before it reaches a worker. See README "Changing workflow code".
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { historyFacts } from '../../db/history/index.js';
import { divergenceOf } from '../../auditing/index.js';
import { scenarios } from './scenarios/index.js';
import { goldenHistories } from './histories.js';

const golden = goldenHistories();

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this process
  }
});

describe('golden histories', () => {
  it('exist for every capture scenario, and every top-level file belongs to one', () => {
    // tests/histories/<type>/<path>.json are the current shapes (one per scenario); files one level
    // deeper (tests/histories/<type>/<label>/<path>.json) are older shapes kept on purpose while
    // workflows of that shape may still be running (README "Changing workflow code").
    const current = golden
      .filter((g) => g.name.split('/').length === 2)
      .map((g) => g.name)
      .sort();
    const expected = scenarios.map((s) => `${s.type}/${s.path}`).sort();
    expect(current, 'run `npm run histories:capture -- --only <type>` for a new scenario').toEqual(expected);
    for (const g of golden) {
      const facts = historyFacts(g.history);
      expect(facts.workflowType, g.name).toBe(g.type);
      // A closed run: completed, or (a workflow that continues-as-new, like KYC) one run of the
      // chain that ended by continuing as new — its history is complete too.
      expect(facts.closeEventType, `${g.name} must be a closed history`).toBeOneOf([
        'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
      ]);
    }
  });

  it('replay deterministically against the current workflow code', async () => {
    const failures: string[] = [];
    let replayed = 0;
    const byId = new Map(golden.map((g) => [g.workflowId, g]));
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: 'golden' },
      golden.map((g) => ({ workflowId: g.workflowId, history: g.history })),
    )) {
      replayed += 1;
      if (result.error) {
        const g = byId.get(result.workflowId)!;
        const at = divergenceOf(result.error.message, g.history);
        failures.push(
          `${g.name} (event ${at.eventId ?? '?'} ${at.eventType ?? ''}): ${result.error.message}`,
        );
      }
    }
    expect(replayed).toBe(golden.length);
    expect(failures, failures.join('\n\n')).toEqual([]);
  });
});
