// Reading a history never archives it; the backfill (auditing/history-backfill.ts, run by the worker
// at start-up and by `npm run history:backfill`) archives the closed runs the archive misses — not
// running ones, not the archiver's own runs — with the same canonical sha256, once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeArchiveTemporalClient } from '../../activities/history-archive.js';
import { backfillHistoryArchive, type BackfillReport } from '../../auditing/index.js';
import { historySha256 } from '../../db/history/index.js';
import { announced, post, startApiWorld, type ApiWorld, type Person } from './helpers.js';

let world: ApiWorld;
let auditor: Person;
let client: Person;

beforeAll(async () => {
  world = await startApiWorld();
  [auditor, client] = await Promise.all([world.person('auditor'), world.person('client')]);
});

afterAll(async () => {
  await world?.stop();
  await closeArchiveTemporalClient();
});

async function archiveRow(workflowId: string) {
  const { rows } = await world.app.pool.query<{ sha256: string; run_id: string }>(
    'SELECT sha256, run_id FROM workflow_history_archive WHERE workflow_id = $1',
    [workflowId],
  );
  return rows[0];
}

/** Backfills this file's task queue until `workflowId` is archived (visibility lags a little). */
async function backfillUntilArchived(workflowId: string): Promise<BackfillReport[]> {
  const reports: BackfillReport[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    reports.push(
      await backfillHistoryArchive(world.deps, { limit: 100, taskQueue: world.temporal.taskQueue }),
    );
    if (await archiveRow(workflowId)) return reports;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the backfill did not archive ${workflowId}`);
}

describe('the history archive backfill', () => {
  it('a GET of a closed history writes nothing; the backfill archives it, once, with the same hash', async () => {
    const workflowId = `ping-${randomUUID()}`;
    const run = await world.temporal.client.workflow.start('ping', {
      taskQueue: world.temporal.taskQueue,
      workflowId,
      args: ['backfill'],
    });
    await run.result();
    const pending = await announced(world, client, { amount: '12.00', currency: 'EUR' });

    for (let read = 0; read < 2; read++) {
      const answer = await world.as(auditor, `/audit/workflows/${workflowId}/history`);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.headers.get('x-history-source')).toBe('temporal');
    }
    expect(await archiveRow(workflowId)).toBeUndefined();
    const fromTemporal = await world.as(auditor, `/audit/workflows/${workflowId}/history`);

    const reports = await backfillUntilArchived(workflowId);
    const archived = reports.flatMap((r) => r.archived);
    expect(archived.filter((id) => id === workflowId)).toHaveLength(1);
    expect(archived).not.toContain(pending.workflowId);
    expect(archived.filter((id) => id.startsWith('archive-history-'))).toEqual([]);
    for (const report of reports) expect(report.failed).toEqual([]);

    const row = await archiveRow(workflowId);
    expect(row).toMatchObject({ run_id: run.firstExecutionRunId, sha256: historySha256(fromTemporal.body) });
    expect(await archiveRow(pending.workflowId)).toBeUndefined();

    const again = await backfillHistoryArchive(world.deps, {
      limit: 100,
      taskQueue: world.temporal.taskQueue,
    });
    expect(again.archived).not.toContain(workflowId);

    const read = await world.as(auditor, `/audit/workflows/${workflowId}/history`);
    expect(read.headers.get('x-history-source')).toBe('archive');
    expect(read.body).toEqual(fromTemporal.body);
    await post(world, client, `/deposits/${pending.id}/cancel`);
  });

  it('archives at most `limit` runs per call, and refuses a limit outside 1 to 10 000', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()].map((id) => `ping-${id}`);
    for (const workflowId of ids) {
      await world.temporal.client.workflow.execute('ping', {
        taskQueue: world.temporal.taskQueue,
        workflowId,
        args: ['limit'],
      });
    }
    const archived = new Set<string>();
    for (let call = 0; call < 50 && !ids.every((id) => archived.has(id)); call++) {
      const report = await backfillHistoryArchive(world.deps, {
        limit: 1,
        taskQueue: world.temporal.taskQueue,
      });
      expect(report.archived.length).toBeLessThanOrEqual(1);
      for (const id of report.archived) archived.add(id);
      if (report.archived.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ids.filter((id) => !archived.has(id))).toEqual([]);
    await expect(backfillHistoryArchive(world.deps, { limit: 0 })).rejects.toThrow(RangeError);
    await expect(backfillHistoryArchive(world.deps, { limit: 10_001 })).rejects.toThrow(RangeError);
  });
});
