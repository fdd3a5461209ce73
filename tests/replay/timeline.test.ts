// The readable history timeline (auditing/history-timeline.ts) over the golden
// histories: steps per activity/timer/Update/child, phases per business transition, the acting
// person from the Update arguments, attempts and failures of retried activities.
import { describe, expect, it } from 'vitest';
import { buildHistoryTimeline, decodePayload, type HistoryStep } from '../../auditing/index.js';
import { goldenHistories } from './histories.js';

const golden = new Map(goldenHistories().map((g) => [g.name, g]));
const timelineOf = (name: string) => buildHistoryTimeline(golden.get(name)!.history);
const steps = (name: string): HistoryStep[] => timelineOf(name).phases.flatMap((p) => p.steps);
const json = (value: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(value)).toString('base64'),
});

describe('history timeline', () => {
  it('groups a deposit into phases that end at each business transition', () => {
    const timeline = timelineOf('deposit/aml-review-release');
    expect(timeline.workflowType).toBe('deposit');
    expect(timeline.phases.map((p) => p.title)).toEqual([
      'start → PENDING',
      'PENDING → AML_REVIEW',
      'AML_REVIEW → CLEARED',
      'Close',
    ]);
    // Every event belongs to a step or to a folded workflow task.
    const covered = timeline.phases.flatMap((p) => p.steps.flatMap((s) => s.eventIds));
    expect(new Set(covered).size).toBe(covered.length);
    expect(timeline.workflowTasks).toBeGreaterThan(0);
    expect(timeline.buildIds[0]).toMatch(/^@temporalio\/worker@/);
  });

  it('names the person behind each Update from its arguments, and the requester of the start', () => {
    const all = steps('deposit/aml-review-release');
    const updates = all.filter((s) => s.kind === 'update');
    expect(updates.map((u) => [u.title, u.actor?.role, u.outcome])).toEqual([
      ['Update confirm', 'admin', 'ok'],
      ['Update release', 'aml_officer', 'ok'],
    ]);
    expect(updates[1]!.details).toContainEqual({ label: 'status after', value: 'CLEARED' });
    expect(all[0]).toMatchObject({ kind: 'workflow', actor: { role: 'client' } });
    expect(all.at(-1)).toMatchObject({ kind: 'workflow', title: 'Workflow completed', outcome: 'ok' });
    expect(all.at(-1)!.details).toContainEqual({ label: 'final status', value: 'CLEARED' });
  });

  it('shows timers fired or cancelled, the patch marker and the abandoned archiver', () => {
    const expired = steps('deposit/expire');
    expect(expired.find((s) => s.kind === 'timer')).toMatchObject({
      outcome: 'ok',
      title: expect.stringMatching(/^Timer [\d.]+ s — Announcement window ends/),
    });
    const happy = steps('deposit/happy');
    const timers = happy.filter((s) => s.kind === 'timer');
    // The announcement window's timer (if the confirmation did not beat it) was cancelled; the hold fired.
    expect(timers.at(-1)).toMatchObject({ outcome: 'ok', title: expect.stringMatching(/— AML hold until/) });
    for (const timer of timers.slice(0, -1)) expect(timer.outcome).toBe('cancelled');
    expect(happy.map((s) => s.title)).toContain("Code version marker: patched('archive-history')");
    expect(happy.find((s) => s.kind === 'child')).toMatchObject({
      outcome: 'ok',
      title: expect.stringMatching(/^Child workflow archiveLifecycle archive-history-deposit-/),
      details: expect.arrayContaining([{ label: 'when the parent closes', value: 'abandon' }]),
    });
    const activities = happy.filter((s) => s.kind === 'activity');
    expect(activities.map((a) => a.title.split(' — ')[0])).toEqual([
      'Activity recordTransition',
      'Activity confirmDepositPosting',
      'Activity screenDeposit',
      'Activity recordTransition',
      'Activity clearDepositPosting',
      'Activity recordTransition',
    ]);
    for (const activity of activities)
      expect(activity.details).toContainEqual({ label: 'attempts', value: '1' });
  });

  it('reports attempts and the last failure of a retried activity, and a failed one', () => {
    const ev = (id: number, eventType: string, attrs: Record<string, unknown>) => ({
      eventId: String(id),
      eventTime: `2026-01-01T00:00:0${id}.000000000Z`,
      eventType: `EVENT_TYPE_${eventType}`,
      [`${eventType.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())}EventAttributes`]:
        attrs,
    });
    const timeline = buildHistoryTimeline({
      events: [
        ev(1, 'WORKFLOW_EXECUTION_STARTED', {
          workflowType: { name: 'x' },
          input: { payloads: [json({ requestedBy: { id: 'u1', role: 'client' } })] },
        }),
        ev(2, 'ACTIVITY_TASK_SCHEDULED', {
          activityType: { name: 'screenDeposit' },
          input: { payloads: [json({ a: 1 })] },
        }),
        ev(3, 'ACTIVITY_TASK_STARTED', {
          scheduledEventId: '2',
          attempt: 3,
          lastFailure: { message: 'partner down' },
        }),
        ev(4, 'ACTIVITY_TASK_COMPLETED', {
          scheduledEventId: '2',
          result: { payloads: [json({ ok: true })] },
        }),
        ev(5, 'ACTIVITY_TASK_SCHEDULED', { activityType: { name: 'post' } }),
        ev(6, 'ACTIVITY_TASK_STARTED', { scheduledEventId: '5', attempt: 1 }),
        ev(7, 'ACTIVITY_TASK_FAILED', {
          scheduledEventId: '5',
          failure: {
            message: 'no funds',
            applicationFailureInfo: { type: 'insufficient_funds', nonRetryable: true },
          },
          retryState: 'RETRY_STATE_NON_RETRYABLE_FAILURE',
        }),
        ev(8, 'WORKFLOW_EXECUTION_FAILED', { failure: { message: 'boom' } }),
      ],
    });
    const [started, retried, failed, end] = timeline.phases[0]!.steps;
    expect(started!.actor).toEqual({ id: 'u1', role: 'client' });
    expect(retried!.details).toEqual(
      expect.arrayContaining([
        { label: 'attempts', value: '3' },
        { label: 'last failed attempt', value: 'partner down' },
        { label: 'result', value: '{"ok":true}' },
      ]),
    );
    expect(failed).toMatchObject({ outcome: 'failed', eventIds: [5, 6, 7] });
    expect(failed!.details).toContainEqual({ label: 'failure', value: 'insufficient_funds: no funds' });
    expect(failed!.details).toContainEqual({ label: 'retry state', value: 'non retryable failure' });
    expect(end).toMatchObject({ title: 'Workflow failed', outcome: 'failed' });
  });

  it('decodes JSON payloads and leaves others as a placeholder', () => {
    expect(decodePayload(json({ a: [1, 'b'] }))).toEqual({ a: [1, 'b'] });
    expect(
      decodePayload({ metadata: { encoding: Buffer.from('binary/null').toString('base64') } }),
    ).toBeNull();
    expect(
      decodePayload({
        metadata: { encoding: Buffer.from('binary/protobuf').toString('base64') },
        data: 'AA==',
      }),
    ).toBe('(binary/protobuf payload)');
  });
});
