// The chaos stack's Temporal watchdog restarts a dev server that is running but no longer answers
// (its SQLite store wedged, as in a long run on the shared machine), and leaves alone one that
// answers or that someone else (a fault's restart) is starting.
import { describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/chaos/stack/processes.js';
import { watchTemporal } from '../../scripts/chaos/stack/temporal-watchdog.js';

const running = { running: true } as unknown as ManagedProcess;
const FAST = { wedgedAfterMs: 50, probeEveryMs: 5, log: () => undefined, stopping: () => false };

/** Resolves once `count()` reaches `n` (checked every few ms, at most 2,000 checks). */
async function until(count: () => number, n: number): Promise<void> {
  for (let i = 0; i < 2_000 && count() < n; i += 1) await new Promise((r) => setTimeout(r, 5));
}

describe('the chaos Temporal watchdog', () => {
  it('restarts a running server that stopped answering, once per wedge', async () => {
    let wedged = true;
    let restarts = 0;
    const lines: string[] = [];
    const watchdog = watchTemporal({
      ...FAST,
      temporal: running,
      starting: () => false,
      answers: async () => !wedged,
      restart: async () => {
        restarts += 1;
        wedged = false;
      },
      log: (line) => lines.push(line),
    });
    await until(() => restarts, 1);
    let probesAfter = 0;
    const probed = watchTemporal({
      ...FAST,
      temporal: running,
      starting: () => false,
      answers: async () => {
        probesAfter += 1;
        return true;
      },
      restart: async () => {
        restarts += 1;
      },
    });
    await until(() => probesAfter, 20);
    await Promise.all([watchdog.stop(), probed.stop()]);
    expect(restarts).toBe(1);
    expect(watchdog.restarts).toBe(1);
    expect(probed.restarts).toBe(0);
    expect(lines.join('\n')).toMatch(/has not answered for \d+ s while running; restarting it/);
  });

  it('does not judge a server that is down or being started by someone else', async () => {
    let rounds = 0;
    let restarts = 0;
    let probes = 0;
    const counting = {
      ...FAST,
      // Asked twice a round: the rounds are counted, not the time.
      stopping: () => {
        rounds += 1;
        return false;
      },
      answers: async () => {
        probes += 1;
        return false;
      },
      restart: async () => {
        restarts += 1;
      },
    };
    const starting = watchTemporal({ ...counting, temporal: running, starting: () => true });
    await until(() => rounds, 40);
    await starting.stop();
    const down = watchTemporal({
      ...counting,
      temporal: { running: false } as unknown as ManagedProcess,
      starting: () => false,
    });
    await until(() => rounds, 80);
    await down.stop();
    expect(rounds).toBeGreaterThanOrEqual(80);
    expect(probes).toBe(0);
    expect(restarts).toBe(0);
  });
});
