// A retried KYC request (the same X-Request-Id, its first answer lost) is applied once and answers as
// the first time did — also after the workflow continued as new, which forgets the Update ids of the
// run before: the API finds the request's transition in the read model (lifecycle_event.data.updateId).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kycStateQuery } from '../../workflows/kyc.js';
import { expectError, post, startApiWorld, type ApiWorld, type Person } from './helpers.js';

let w: ApiWorld;
let ops: Person;

beforeAll(async () => {
  process.env.KYC_POLICY_JSON = JSON.stringify({ approvalValidityMs: 600_000, reviewDueMs: 60_000 });
  w = await startApiWorld();
  ops = await w.person('operations');
});

afterAll(async () => {
  delete process.env.KYC_POLICY_JSON;
  await w?.stop();
});

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b1d6e60000000049454e44ae426082',
  'hex',
);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n', 'utf8');

async function upload(client: Person, type: string, data: Buffer, name: string, mime: string) {
  const form = new FormData();
  form.append('type', type);
  const bytes = Buffer.concat([data, Buffer.from(`\n${randomUUID()}\n`)]);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: mime }), name);
  const answer = await w.as(client, '/kyc/documents', {
    method: 'POST',
    body: form,
    idempotencyKey: randomUUID(),
  });
  expect(answer.status, answer.text).toBe(201);
}

async function auditCount(action: string, subjectId: string): Promise<number> {
  const { rows } = await w.app.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM audit_log WHERE action = $1 AND subject_id = $2`,
    [action, subjectId],
  );
  return Number(rows[0]!.n);
}

describe('retried KYC requests', () => {
  it('a retried submit and a retried approval (after continue-as-new) answer 200 once applied', async () => {
    const client = await w.person('client');
    await upload(client, 'passport', PNG, 'passport.png', 'image/png');
    await upload(client, 'proof_of_address', PDF, 'bill.pdf', 'application/pdf');

    const submitId = randomUUID();
    const submitted = await post(w, client, '/kyc/submit', {}, submitId);
    expect(submitted.status, submitted.text).toBe(200);
    const again = await post(w, client, '/kyc/submit', {}, submitId);
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({ status: 'PENDING_REVIEW', submission: { cycle: 1 } });
    expectError(await post(w, client, '/kyc/submit', {}), 409, 'invalid_state');
    expect(await auditCount('kyc.submit', client.id)).toBe(1);

    const approveId = randomUUID();
    const approved = await post(w, ops, `/ops/kyc/${client.id}/approve`, { note: 'ok' }, approveId);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.status).toBe('APPROVED');
    // The approval ends the review cycle: the workflow continues as new, its next run knows nothing
    // of the Update. Wait until that run is there, then retry the same request.
    const handle = (await w.deps.temporal()).workflow.getHandle(`kyc-${client.id}`);
    const runsOf = () => handle.query(kycStateQuery).then((state) => state.runs);
    for (let i = 0; i < 100 && (await runsOf()) < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await runsOf()).toBe(1);
    const retried = await post(w, ops, `/ops/kyc/${client.id}/approve`, { note: 'ok' }, approveId);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ status: 'APPROVED', decision: { action: 'approve' } });
    expectError(await post(w, ops, `/ops/kyc/${client.id}/approve`, {}), 409, 'invalid_state');
    expect(await auditCount('kyc.approve', client.id)).toBe(1);
  });
});
