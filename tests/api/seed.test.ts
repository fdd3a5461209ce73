// The demo seed, run twice as `npm start` does on every start: the demo clients hold exactly
// 10 000 EUA and 10 000 CEA each (one registry transfer-in entry per client and certificate), no
// cash, and their KYC is left to the KYC workflow. Read back through the API a client would use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../api/testing.js';
import { trialBalance } from '../../db/ledger/index.js';
import { transfersInOfClient } from '../../db/trading/transfers-in.js';
import { DEMO_CERTIFICATES, DEMO_PASSWORD, DEMO_USERS, seedDemoData } from '../../db/seed.js';

const DEMO_CLIENTS = DEMO_USERS.filter((u) => u.role === 'client').map((u) => u.email);

describe('demo seed', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ apiRateLimitPerMinute: 0 });
    await seedDemoData(app.pool);
    await seedDemoData(app.pool);
  });
  afterAll(async () => {
    await app?.close();
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

  it('keeps the books balanced', async () => {
    const balance = await trialBalance(app.pool);
    expect(balance.balanced).toBe(true);
    expect(balance.accountsMatchLines).toBe(true);
  });
});
