// The demo seed, run twice as `npm start` does on every start: the demo clients hold exactly
// 10 000 EUA and 10 000 CEA each (one registry transfer-in entry per client and certificate), no
// cash, and the seed writes no KYC status. Then the stack's demo KYC step (scripts/demo-kyc.ts)
// passes both clients' KYC through the API and the KYC workflow, approved by ops@. Read back
// through the API a client would use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../api/testing.js';
import { DEMO_KYC_APPROVER, DEMO_KYC_NOTE, approveDemoKyc } from '../../scripts/demo-kyc.js';
import { startApiWorld, type ApiWorld } from './helpers.js';
import { trialBalance } from '../../db/ledger/index.js';
import { transfersInOfClient } from '../../db/trading/transfers-in.js';
import { DEMO_CERTIFICATES, DEMO_PASSWORD, DEMO_USERS, seedDemoData } from '../../db/seed.js';

const DEMO_CLIENTS = DEMO_USERS.filter((u) => u.role === 'client').map((u) => u.email);

describe('demo seed', () => {
  let world: ApiWorld;
  let app: TestApp;

  beforeAll(async () => {
    world = await startApiWorld();
    app = world.app;
    await seedDemoData(app.pool);
    await seedDemoData(app.pool);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('names the two demo clients the API contract promises', () => {
    expect(DEMO_CLIENTS).toEqual(['client@example.com', 'client2@example.com']);
    expect(DEMO_CERTIFICATES).toEqual([
      { asset: 'EUA', quantity: '10000' },
      { asset: 'CEA', quantity: '10000' },
    ]);
  });

  it.each(DEMO_CLIENTS)(
    '%s holds exactly 10000 EUA and 10000 CEA and no cash after two seeds',
    async (email) => {
      const { accessToken, user } = await app.login({ email, password: DEMO_PASSWORD });
      const answer = await app.api('/api/v1/balances', { token: accessToken });
      expect(answer.status).toBe(200);
      const byAsset = new Map<string, Record<string, string>>(
        (answer.body.items as ({ asset: string } & Record<string, string>)[]).map((item) => [
          item.asset,
          item,
        ]),
      );
      for (const asset of ['EUA', 'CEA']) {
        expect(byAsset.get(asset)).toMatchObject({ available: '10000', held: '0', pendingSettlement: '0' });
      }
      for (const cash of ['EUR', 'USD']) {
        const row = byAsset.get(cash);
        if (row) expect(row).toMatchObject({ available: '0.00', held: '0.00', pendingSettlement: '0.00' });
      }

      // One entry per certificate: the second seed replayed the first entries instead of adding more.
      const transfers = await transfersInOfClient(app.pool, user.id);
      expect(transfers.map((t) => [t.asset, t.quantityMinor])).toEqual(
        expect.arrayContaining([
          ['EUA', 10_000n],
          ['CEA', 10_000n],
        ]),
      );
      expect(transfers).toHaveLength(2);
    },
  );

  it('leaves KYC to the KYC workflow: no status is written by the seed', async () => {
    const { rows } = await app.pool.query<{ email: string; kyc_status: string }>(
      `SELECT email, kyc_status FROM app_user WHERE email = ANY($1)`,
      [DEMO_CLIENTS],
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.kyc_status).toBe('NOT_STARTED');
  });

  it('the demo KYC step approves both clients through the KYC workflow, once', async () => {
    expect(await approveDemoKyc(app.url)).toEqual({
      'client@example.com': `approved by ${DEMO_KYC_APPROVER}`,
      'client2@example.com': `approved by ${DEMO_KYC_APPROVER}`,
    });
    // Again (the next npm start): nothing more happens.
    expect(await approveDemoKyc(app.url)).toEqual({
      'client@example.com': 'already APPROVED',
      'client2@example.com': 'already APPROVED',
    });

    const { rows: approvers } = await app.pool.query<{ id: string }>(
      `SELECT id FROM app_user WHERE email = $1`,
      [DEMO_KYC_APPROVER],
    );
    for (const email of DEMO_CLIENTS) {
      const { accessToken, user } = await app.login({ email, password: DEMO_PASSWORD });
      const me = await app.api('/api/v1/me', { token: accessToken });
      expect(me.body.kycStatus).toBe('APPROVED');
      const kyc = await app.api('/api/v1/kyc', { token: accessToken });
      const path = (kyc.body.timeline as { from: string | null; to: string }[]).map(
        (e) => `${e.from ?? '∅'}→${e.to}`,
      );
      expect(path).toEqual(['∅→NOT_STARTED', 'NOT_STARTED→PENDING_REVIEW', 'PENDING_REVIEW→APPROVED']);
      expect(kyc.body.timeline.at(-1).actor).toEqual({ id: approvers[0]!.id, role: 'operations' });

      // The approval is a staff action in the audit log, naming the approver and the seed's note.
      const { rows: audited } = await app.pool.query<{ actor_email: string; after: unknown }>(
        `SELECT actor_email, after FROM audit_log WHERE subject_id = $1 AND action LIKE '%approve%'`,
        [user.id],
      );
      expect(audited).toHaveLength(1);
      expect(audited[0]!.actor_email).toBe(DEMO_KYC_APPROVER);
      expect(JSON.stringify(audited[0])).toContain(DEMO_KYC_NOTE);
    }
  });

  it('keeps the books balanced', async () => {
    const balance = await trialBalance(app.pool);
    expect(balance.balanced).toBe(true);
    expect(balance.accountsMatchLines).toBe(true);
  });
});
