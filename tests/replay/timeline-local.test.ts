// The history timeline (auditing/history-timeline.ts) over the deposit histories of the shape with
// local activities (patched('local-transitions'), patched('deposit-posting-with-transition')): a
// local activity leaves only a marker, and still shows as its activity and closes its phase.
import { describe, expect, it } from 'vitest';
import { buildHistoryTimeline, type HistoryStep } from '../../auditing/index.js';
import { goldenHistories } from './histories.js';

const golden = new Map(goldenHistories().map((g) => [g.name, g]));
const timelineOf = (name: string) => buildHistoryTimeline(golden.get(name)!.history);
const steps = (name: string): HistoryStep[] => timelineOf(name).phases.flatMap((p) => p.steps);

describe('history timeline of local activities', () => {
  it('ends a phase at each transition recorded by a local activity, posting included', () => {
    expect(timelineOf('deposit/aml-review-release-v2').phases.map((p) => p.title)).toEqual([
      'start → PENDING',
      'PENDING → AML_REVIEW (deposit.confirm 5000.00 EUR)',
      'AML_REVIEW → CLEARED (deposit.clear 5000.00 EUR)',
      'Close',
    ]);
  });

  it('shows each local activity as an activity step with its attempts and result', () => {
    const activities = steps('deposit/happy-v2').filter((s) => s.kind === 'activity');
    expect(activities.map((a) => a.title)).toEqual([
      'Activity recordTransition — start → PENDING',
      'Activity screenDeposit — AML screening of 995.00 EUR',
      'Activity recordTransitionWithDepositPosting — PENDING → ON_HOLD (deposit.confirm 995.00 EUR)',
      'Activity recordTransitionWithDepositPosting — ON_HOLD → CLEARED (deposit.clear 995.00 EUR)',
    ]);
    const local = activities.filter((a) => a.details.some((d) => d.value.startsWith('local activity')));
    expect(local).toHaveLength(3);
    for (const step of local) {
      expect(step.outcome).toBe('ok');
      expect(step.details).toContainEqual({ label: 'attempts', value: '1' });
      expect(step.details.find((d) => d.label === 'result')?.value).toContain('"recorded":true');
    }
    expect(local[1]!.details.find((d) => d.label === 'result')?.value).toMatch(
      /"idempotencyKey":"deposit-.*\/confirm"/,
    );
  });
});
