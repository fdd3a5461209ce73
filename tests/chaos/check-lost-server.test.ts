// The chaos checker's look-up of a lost create against the real server: it reads the resource by
// the id it derives from the sender and the Idempotency-Key (check-lost.ts idOfLostCreate, with
// RESOURCE_TYPES keyScope), so that derivation must be the server's own. Here the creates' answers
// are kept, not lost, to compare: each one's id and workflow are what the checker finds by its key
// alone; a key the server never saw is not found. The real app, worker and Temporal dev server.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptLostCreates } from '../../scripts/chaos/check-lost.js';
import { ApiClient, RequestStats } from '../../scripts/chaos/client.js';
import { seededRandom } from '../../scripts/chaos/random.js';
import type { LostKeyedCreate } from '../../scripts/chaos/scenarios/index.js';
import { startApiWorld, type ApiWorld, type Person } from '../api/helpers.js';
import { freshLifecycle, QUICK_RETRIES } from './fake-platform.js';

let w: ApiWorld;
let client: Person;
let auditor: Person;

beforeAll(async () => {
  w = await startApiWorld();
  [client, auditor] = await Promise.all([w.person('client'), w.person('auditor')]);
});

afterAll(async () => {
  await w?.stop();
});

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4e00000000049454e44ae426082',
  'hex',
);

describe('the chaos checker finds a lost create on the real server by its Idempotency-Key', () => {
  it('deposit, bank account, registry account and KYC document: the ids the server made', async () => {
    const keys = { deposit: randomUUID(), bank: randomUUID(), registry: randomUUID(), kyc: randomUUID() };
    /** A keyed create whose answer is kept here, to compare with what the checker finds. */
    const created = async (path: string, json: unknown, idempotencyKey: string) => {
      const answer = await w.as(client, path, { method: 'POST', json, idempotencyKey });
      expect(answer.status, answer.text).toBe(201);
      return answer;
    };
    const deposit = await created('/deposits', { amount: '250.00', currency: 'EUR' }, keys.deposit);
    const bank = await created(
      '/bank-accounts',
      {
        iban: 'DE89370400440532013000',
        bic: 'COBADEFFXXX',
        accountName: 'Lost Answer',
        bankName: 'Commerzbank',
        country: 'DE',
      },
      keys.bank,
    );
    const registry = await created(
      '/registry-accounts',
      {
        registry: 'EU',
        accountId: `EU-100-${randomInt(1_000_000, 9_999_999)}-0-${String(randomInt(0, 99)).padStart(2, '0')}`,
        holderName: 'Lost Answer',
      },
      keys.registry,
    );
    const form = new FormData();
    form.append('type', 'passport');
    const png = Buffer.concat([PNG, Buffer.from(`\n${randomUUID()}\n`)]);
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'passport.png');
    const kyc = await w.as(client, '/kyc/documents', {
      method: 'POST',
      body: form,
      idempotencyKey: keys.kyc,
    });
    expect(kyc.status, kyc.text).toBe(201);

    // As if every answer above had been lost: the lifecycle knows the keys only.
    const lifecycle = freshLifecycle(9, 'lost_answers', client.id);
    const lost = (type: LostKeyedCreate['type'], idempotencyKey: string, intended: string) => ({
      type,
      senderId: client.id,
      idempotencyKey,
      ownerId: client.id,
      intended,
      step: `create ${type}`,
      amountMinor: 0n,
    });
    lifecycle.lostCreates.push(
      lost('deposit', keys.deposit, 'PENDING'),
      lost('bank_account', keys.bank, 'PENDING_VERIFICATION'),
      lost('registry_account', keys.registry, 'PENDING_VERIFICATION'),
      lost('kyc_document', keys.kyc, 'stored'),
      lost('deposit', `never-sent-${randomUUID()}`, 'PENDING'),
    );
    const api = new ApiClient(w.app.url, new RequestStats(), QUICK_RETRIES, seededRandom(1));
    const problems: string[] = [];
    const found = await adoptLostCreates(api, auditor, [lifecycle], problems);
    expect(problems).toEqual([]);
    expect(
      lifecycle.resources.map((r) => ({
        type: r.type,
        id: r.id,
        workflowId: r.workflowId,
        status: r.lastStatus,
      })),
    ).toEqual([
      { type: 'deposit', id: deposit.body.id, workflowId: deposit.body.workflowId, status: 'PENDING' },
      {
        type: 'bank_account',
        id: bank.body.id,
        workflowId: bank.body.workflowId,
        status: 'PENDING_VERIFICATION',
      },
      {
        type: 'registry_account',
        id: registry.body.id,
        workflowId: registry.body.workflowId,
        status: 'PENDING_VERIFICATION',
      },
    ]);
    expect(found.found).toHaveLength(4);
    expect(found.found[3]).toContain(`kyc_document ${kyc.body.id} (create kyc_document`);
    expect(found.notFound).toEqual([
      expect.stringMatching(/^deposit key never-sent-.* \(create deposit, lifecycle #9 lost_answers\)$/),
    ]);
  });
});
