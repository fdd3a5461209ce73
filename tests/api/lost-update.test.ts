// A transition's local activity commits before its workflow task does. When that task is lost (the
// worker dies and a Temporal restart forgets the Update in flight), the read model holds a transition
// the run never applied. Chaos found it (seed of fresh-clone CI, session 4): the client's retried
// cancel was answered 200 CANCELLED from the read model while the workflow stayed PENDING. A retry
// must ask the run again. This test makes the lost task's trace by hand: the same writes, no Update.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordTransitionIn, type RecordTransitionInput } from '../../activities/lifecycle.js';
import { getLifecycle } from '../../db/lifecycle/index.js';
import { depositStateQuery } from '../../workflows/deposit.js';
import { announced, post, startApiWorld, type ApiWorld } from './helpers.js';

let w: ApiWorld;

beforeAll(async () => {
  w = await startApiWorld();
});

afterAll(async () => {
  await w?.stop();
});

async function auditCount(action: string, subjectId: string): Promise<number> {
  const { rows } = await w.app.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM audit_log WHERE action = $1 AND subject_id = $2`,
    [action, subjectId],
  );
  return Number(rows[0]!.n);
}

describe('a retried request whose transition the read model holds', () => {
  it('is applied by the run that never saw it, then answered from the read model once the run ended', async () => {
    const client = await w.person('client');
    const deposit = await announced(w, client);
    const handle = (await w.deps.temporal()).workflow.getHandle(deposit.workflowId);
    const { runId } = await handle.describe();
    const detail = await getLifecycle(w.app.pool, deposit.workflowId);
    expect(detail?.status).toBe('PENDING');

    // What the lost workflow task committed: the cancel's transition under this request's Update id.
    const requestId = randomUUID();
    const ghost: RecordTransitionInput = {
      workflowId: deposit.workflowId,
      type: 'deposit',
      businessId: deposit.id,
      ownerId: client.id,
      seq: detail!.timeline.length + 1,
      action: 'cancel',
      entry: {
        at: new Date().toISOString(),
        from: 'PENDING',
        to: 'CANCELLED',
        actor: { id: client.id, role: 'client' },
        reason: 'cancelled by the client',
      },
      attributes: detail!.attributes,
      closed: true,
      updateId: `cancel:${requestId}`,
    };
    const pg = await w.app.pool.connect();
    try {
      await pg.query('BEGIN');
      expect(await recordTransitionIn(pg, ghost, runId)).toEqual({ recorded: true });
      await pg.query('COMMIT');
    } finally {
      pg.release();
    }
    expect((await handle.query(depositStateQuery)).status).toBe('PENDING');

    const retried = await post(w, client, `/deposits/${deposit.id}/cancel`, {}, requestId);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.status).toBe('CANCELLED');
    // The run applied it now (before the fix it stayed PENDING until its expiry).
    expect((await handle.query(depositStateQuery)).status).toBe('CANCELLED');
    await handle.result();
    const after = await getLifecycle(w.app.pool, deposit.workflowId);
    expect(after?.timeline.map((entry) => entry.to)).toEqual(['PENDING', 'CANCELLED']);

    // Asked once more after the run ended: the read model's answer, still audited once.
    const again = await post(w, client, `/deposits/${deposit.id}/cancel`, {}, requestId);
    expect(again.status, again.text).toBe(200);
    expect(again.body.status).toBe('CANCELLED');
    expect(await auditCount('deposit.cancel', deposit.id)).toBe(1);
  });
});
