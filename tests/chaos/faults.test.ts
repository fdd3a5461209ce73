// The worker-kill schedule of a chaos run. Each kill waits for the worker to poll again after the last
// one, and a starved machine's worker takes long to come back (it bundles its code), so a schedule
// bounded by its window killed fewer times than it said: the short run's "killed twice" flaked.
// With `exact` it kills exactly `max` times, after each restart, however long that takes. A fake
// stack stands in: its worker polls again only some time after each start.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFaults, type FaultPlan } from '../../scripts/chaos/faults.js';
import { seededRandom } from '../../scripts/chaos/random.js';
import type { Stack } from '../../scripts/chaos/stack.js';

/** A stack whose worker is ready `startMs` after each start; nothing else runs. */
function slowWorkerStack(startMs: number) {
  const events: string[] = [];
  let ready = true;
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  const worker = {
    get ready() {
      return ready;
    },
    get running() {
      return running;
    },
    async kill9() {
      clearTimeout(timer);
      ready = false;
      running = false;
      events.push('kill');
    },
    start() {
      running = true;
      events.push('start');
      timer = setTimeout(() => (ready = true), startMs);
    },
    async waitReady() {
      while (!ready) await new Promise((resolve) => setTimeout(resolve, 5));
    },
  };
  const stack = {
    worker,
    temporal: { running: true },
    partnerOutagesFile: join(mkdtempSync(join(tmpdir(), 'chaos-faults-')), 'outages.json'),
  } as unknown as Stack;
  return { stack, events };
}

const plan = (exact: boolean): FaultPlan => ({
  workerKill: { everyMs: 40, max: 2, downMs: 10, exact },
  temporalRestart: { everyMs: 0, max: 0, downMs: 0 },
  dbCut: { everyMs: 0, max: 0 },
});

describe('the chaos worker-kill schedule', () => {
  it('bounded by its window, kills fewer times when the worker is slow to come back', async () => {
    const { stack, events } = slowWorkerStack(800);
    const faults = startFaults(stack, plan(false), 250, seededRandom(1), () => undefined);
    await faults.done;
    await faults.stop();
    expect(faults.counts.workerKills).toBe(1);
    expect(events).toEqual(['kill', 'start']);
  });

  it('exact, kills `max` times, each after the worker polled again, past the window', async () => {
    const { stack, events } = slowWorkerStack(800);
    const started = Date.now();
    const faults = startFaults(stack, plan(true), 250, seededRandom(1), () => undefined);
    await faults.workerKillsDone;
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    await faults.done;
    await faults.stop();
    expect(faults.counts.workerKills).toBe(2);
    expect(faults.counts.problems).toEqual([]);
    expect(events).toEqual(['kill', 'start', 'kill', 'start']);
    // The stack is whole again: the last start polled.
    expect(stack.worker.ready).toBe(true);
  });
});
