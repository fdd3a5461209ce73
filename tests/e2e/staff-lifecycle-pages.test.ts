// Issue 14 on the staff lifecycle pages, in a real browser: every one (deposit, withdrawal, KYC,
// bank account, registry account, certificate transfer, order, settlement batch) links its workflow
// in the Temporal UI, and the withdrawal, KYC and bank-account pages show where the lifecycle is
// (the stepper); and a staff member sets up two-factor sign-in on its page without JavaScript (QR
// code, a first code, recovery codes once), the page with no serious axe violation; and times show
// in the viewer's own time zone with their age.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, TestUser } from '../../api/testing.js';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../../db/ledger/index.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { registryTransferIn } from '../../domain/postings.js';
import { totpCode } from '../../domain/totp.js';
import { formatLocal } from '../../web/app/amounts.js';
import { clearedDeposit } from '../support/ledger-funds.js';
import { seriousViolations } from '../support/axe.js';
import { withInstrument } from '../support/instrument-lock.js';
import { apiAs, retryTransient } from '../support/transient.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

const SCREENSHOTS = 'tmp/e2e-staff-lifecycle-pages';
/** Each test drives several lifecycles through a shared, busy machine. */
const SLOW_MS = 180_000;

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4e00000000049454e44ae426082',
  'hex',
);

describe('staff lifecycle pages', () => {
  let stack: WebStack;
  let app: TestApp;

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
    await ensureSystemAccounts(app.pool);
    await ensureInstruments(app.pool);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /**
   * A call as `user`, retried with the same Idempotency-Key while the answer is transient (503: the
   * workflow did not answer in time on a busy machine), as a careful client does.
   */
  async function as(user: TestUser, path: string, init: Parameters<TestApp['api']>[1] = {}) {
    const answer = await apiAs(app, user, path, init);
    expect(answer.status, `${path}: ${answer.text}`).toBeLessThan(300);
    return answer.body;
  }

  /** A client with approved KYC, a VERIFIED bank and registry account, and 5,000.00 EUR cleared. */
  async function fundedClient() {
    const client = await app.createUser('client');
    const pool = app.pool;
    await pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [client.id]);
    const iban = `DE89370400440${String(Date.now() % 1e9).padStart(9, '0')}`;
    const bank = await pool.query<{ id: string }>(
      `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
       VALUES ($1, $2, 'COBADEFFXXX', 'Page Client', 'Commerzbank', 'DE', 'VERIFIED') RETURNING id`,
      [client.id, iban],
    );
    const registry = await pool.query<{ id: string }>(
      `INSERT INTO registry_account (id, client_id, registry, account_id, holder_name, status)
       VALUES (gen_random_uuid(), $1, 'EU', 'EU-100-7000001-0-00', 'Page Client', 'VERIFIED') RETURNING id`,
      [client.id],
    );
    await ensureClientAccounts(pool, client.id, 'EUR');
    await clearedDeposit(pool, client.id, 'EUR', 500_000n, `page-fund/${client.id}`);
    return { client, bankAccountId: bank.rows[0]!.id, registryAccountId: registry.rows[0]!.id };
  }

  /** A client whose KYC documents are submitted (the review workflow runs). */
  async function submittedKyc(): Promise<{ clientId: string; workflowId: string }> {
    const client = await app.createUser('client');
    for (const type of ['passport', 'proof_of_address']) {
      const form = new FormData();
      form.append('type', type);
      const file = Buffer.concat([PNG, Buffer.from(randomUUID())]);
      form.append('file', new Blob([new Uint8Array(file)], { type: 'image/png' }), `${type}.png`);
      await as(client, '/kyc/documents', { method: 'POST', body: form });
    }
    const submitted = await as(client, '/kyc/submit', { method: 'POST', json: {} });
    return { clientId: client.id, workflowId: submitted.workflowId };
  }

  it(
    'every staff lifecycle page links its workflow in the Temporal UI; three show their stepper',
    async () => {
      // The order rests on EUA's shared book: other files' crossing scenarios wait (and see nothing).
      await withInstrument('EUA', async () => {
        const ops = await app.createUser('operations');
        const { client, bankAccountId, registryAccountId } = await fundedClient();
        const deposit = await as(client, '/deposits', {
          method: 'POST',
          json: { amount: '75.00', currency: 'EUR' },
        });
        const withdrawal = await as(client, '/withdrawals', {
          method: 'POST',
          json: { amount: '100.00', currency: 'EUR', bankAccountId },
        });
        const bankAccount = await as(client, '/bank-accounts', {
          method: 'POST',
          json: {
            iban: 'DE89 3704 0044 0532 0130 00',
            bic: 'COBADEFFXXX',
            accountName: 'Page Client',
            bankName: 'Commerzbank',
            country: 'DE',
          },
        });
        const registryAccount = await as(client, '/registry-accounts', {
          method: 'POST',
          json: { registry: 'EU', accountId: 'EU-100-5012345-0-61', holderName: 'Page Client' },
        });
        const transfer = await as(client, '/certificate-transfers', {
          method: 'POST',
          json: { direction: 'IN', asset: 'EUA', quantity: '10', registryAccountId },
        });
        const instruments = await as(client, '/instruments');
        const eua = instruments.items.find((i: { symbol: string }) => i.symbol === 'EUA');
        const order = await as(client, '/orders', {
          method: 'POST',
          json: { symbol: 'EUA', side: 'BUY', type: 'LIMIT', quantity: '1', price: eua.referencePrice },
        });
        // A cutoff long past: the batch claims no trade of another test file.
        const batch = await as(ops, '/ops/settlement-batches', {
          method: 'POST',
          json: { cutoff: '2001-01-01T00:00:00.000Z' },
        });
        const kyc = await submittedKyc();

        const pages: { path: string; workflowId: string; stepper: boolean }[] = [
          { path: `/ops/deposits/${deposit.id}`, workflowId: deposit.workflowId, stepper: true },
          { path: `/ops/withdrawals/${withdrawal.id}`, workflowId: withdrawal.workflowId, stepper: true },
          { path: `/ops/kyc/${kyc.clientId}`, workflowId: kyc.workflowId, stepper: true },
          { path: `/ops/bank-accounts/${bankAccount.id}`, workflowId: bankAccount.workflowId, stepper: true },
          {
            path: `/ops/registry-accounts/${registryAccount.id}`,
            workflowId: registryAccount.workflowId,
            stepper: false,
          },
          {
            path: `/ops/certificate-transfers/${transfer.id}`,
            workflowId: transfer.workflowId,
            stepper: false,
          },
          { path: `/ops/orders/${order.id}`, workflowId: order.workflowId, stepper: false },
          { path: `/ops/settlement-batches/${batch.id}`, workflowId: batch.workflowId, stepper: false },
        ];
        const page = await stack.signIn(ops);
        for (const { path, workflowId, stepper } of pages) {
          expect(workflowId, path).toEqual(expect.any(String));
          const answer = await page.goto(`${app.url}${path}`);
          expect(answer?.status(), path).toBe(200);
          const href = await page.getAttribute('a:has-text("Temporal UI")', 'href');
          expect(href, path).toBe(
            `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}`,
          );
          if (stepper) expect(await page.locator('ol.stepper li').count(), path).toBeGreaterThanOrEqual(2);
        }
        await page.goto(`${app.url}/ops/withdrawals/${withdrawal.id}`);
        await page.screenshot({ path: `${SCREENSHOTS}/ops-withdrawal.png`, fullPage: true });
        await page.context().close();
        await as(client, `/orders/${order.id}/cancel`, { method: 'POST', json: {} });
      });
    },
    SLOW_MS,
  );

  it(
    'a staff member sets up two-factor sign-in on its page without JavaScript',
    async () => {
      const aml = await app.createUser('aml_officer');
      const page = await stack.signIn(aml, { javaScriptEnabled: false });

      await page.click('nav a:has-text("Two-factor sign-in")');
      await page.waitForURL(/\/ops\/two-factor$/);
      await page.click('button:has-text("Set up two-factor sign-in")');
      expect(await page.getAttribute('[data-testid=totp-qr]', 'src')).toMatch(
        /^data:image\/svg\+xml;base64,/,
      );
      const secret = ((await page.textContent('[data-testid=totp-secret]')) ?? '').trim();
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      await page.screenshot({ path: `${SCREENSHOTS}/ops-two-factor.png`, fullPage: true });

      // A wrong code is refused in words and the page asks again for the same key.
      const right = totpCode(secret, Date.now());
      await page.fill('input[name=code]', right === '000000' ? '111111' : '000000');
      await page.click('button:has-text("Turn on two-factor sign-in")');
      expect(await page.textContent('[role=alert], .error')).toMatch(/code is not right/);
      await page.fill('input[name=code]', totpCode(secret, Date.now()));
      await page.click('button:has-text("Turn on two-factor sign-in")');
      expect(await page.locator('[data-testid=recovery-codes] li').count()).toBe(10);

      // Shown once: the page no longer lists them, and sign-in now asks for the code.
      await page.goto(`${app.url}/ops/two-factor`);
      expect(await page.textContent('[data-testid=two-factor-on]')).toContain('10 of your recovery codes');
      expect(await page.locator('[data-testid=recovery-codes]').count()).toBe(0);
      const login = await app.api('/api/v1/auth/login', {
        method: 'POST',
        json: { email: aml.email, password: aml.password },
      });
      expect(login.status).toBe(401);
      expect(login.body.error.code).toBe('totp_required');
      await page.context().close();

      // axe needs scripts: the same step for another person in a context where they run.
      const ops = await app.createUser('operations');
      const withJs = await stack.signIn(ops);
      await withJs.goto(`${app.url}/ops/two-factor`);
      await withJs.click('button:has-text("Set up two-factor sign-in")');
      await withJs.locator('[data-testid=totp-qr]').waitFor();
      expect(await seriousViolations(withJs)).toEqual([]);
      await withJs.context().close();
    },
    SLOW_MS,
  );

  it(
    'times are shown in the viewer’s time zone with their age, the UTC instant in the title',
    async () => {
      const client = await app.createUser('client');
      const deposit = await as(client, '/deposits', {
        method: 'POST',
        json: { amount: '12.00', currency: 'EUR' },
      });
      const page = await stack.signIn(client, { timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
      await page.goto(`${app.url}/app/deposits/${deposit.id}`);
      await page.waitForFunction(() => '__remixRouter' in window, undefined, { timeout: 10_000 });
      const time = page.locator('ol.timeline time').first();
      const at = (await time.getAttribute('datetime'))!;
      await expect
        .poll(async () => (await time.textContent()) ?? '')
        .toContain(formatLocal(at, 'Asia/Tokyo', 'en-GB'));
      expect(await time.textContent()).toMatch(/\((just now|\d+ minutes? ago)\)$/);
      expect(await time.getAttribute('title')).toMatch(/UTC$/);
      await page.context().close();
    },
    SLOW_MS,
  );

  it(
    'the market maker page shows the keys, the activity, the inventory and the P&L',
    async () => {
      const admin = await app.createUser('admin');
      const ops = await app.createUser('operations');
      const { client: maker } = await fundedClient();
      await ensureClientAccounts(app.pool, maker.id, 'EUA');
      await postEntry(app.pool, {
        idempotencyKey: `page-transfer-in/${maker.id}`,
        ...registryTransferIn(maker.id, 'EUA', 100n, 'TEST-EUA'),
      });
      const { client: taker } = await fundedClient();
      const issued = await as(admin, '/admin/api-keys', {
        method: 'POST',
        json: {
          ownerId: maker.id,
          name: 'page quoter',
          scopes: ['orders:read', 'orders:write', 'market:read'],
        },
      });
      const withKey = (path: string, init: Parameters<TestApp['api']>[1] = {}) =>
        app.api(`/api/v1${path}`, { ...init, headers: { 'x-api-key': issued.key } });
      await withInstrument('EUA', async () => {
        // Inside today's band, which is centred on the last trade other test files left on EUA.
        const instrument = (await as(maker, '/instruments')).items.find(
          (i: { symbol: string }) => i.symbol === 'EUA',
        );
        const centreCents = BigInt(
          String(instrument.lastPrice ?? instrument.referencePrice).replace('.', ''),
        );
        const cents = (value: bigint) => `${value / 100n}.${String(value % 100n).padStart(2, '0')}`;
        const [bidPrice, askPrice] = [cents((centreCents * 97n) / 100n), cents((centreCents * 104n) / 100n)];
        const putQuote = () =>
          withKey('/quotes/EUA', {
            method: 'PUT',
            json: { bid: { price: bidPrice, quantity: '5' }, ask: { price: askPrice, quantity: '5' } },
          });
        // A PUT replaces the previous pair, so asking again after a transient answer is safe.
        const quoted = await retryTransient(putQuote);
        expect(quoted.status, quoted.text).toBe(200);
        await as(taker, '/orders', {
          method: 'POST',
          json: { symbol: 'EUA', side: 'BUY', type: 'LIMIT', quantity: '2', price: askPrice },
        });
        await expect
          .poll(async () => (await withKey(`/orders/${quoted.body.ask.id}`)).body.status, { timeout: 30_000 })
          .toBe('PARTIALLY_FILLED');

        const page = await stack.signIn(ops);
        await page.goto(`${app.url}/ops/market-makers/${maker.id}`);
        expect(
          await page.locator(`[data-testid=mm-keys] tr[data-prefix="${issued.apiKey.prefix}"]`).count(),
        ).toBe(1);
        const orders = (await page.textContent('[data-testid=mm-orders]')) ?? '';
        expect(orders).toContain(`${askPrice} EUR`);
        expect(orders).toContain(`${bidPrice} EUR`);
        expect(await page.textContent('[data-testid=mm-trades]')).toContain(`${askPrice} EUR`);
        const eua = page.locator('[data-testid=mm-inventory] tr[data-asset=EUA]');
        expect(await eua.textContent()).toContain('98');
        // P&L is a figure, not a dash, once the maker has traded.
        expect(await eua.locator('.profit, .loss, .money').count()).toBeGreaterThanOrEqual(1);
        await page.screenshot({ path: `${SCREENSHOTS}/ops-market-maker.png`, fullPage: true });
        await page.context().close();
        for (const id of [quoted.body.bid.id, quoted.body.ask.id])
          await withKey(`/orders/${id}/cancel`, { method: 'POST', json: {} });
      });
    },
    SLOW_MS,
  );

  it(
    'the inbox marks an overdue task, counts it in the navigation and takes new tasks in without a reload',
    async () => {
      const ops = await app.createUser('operations');
      const client = await app.createUser('client');
      const late = await as(client, '/deposits', {
        method: 'POST',
        json: { amount: '31.00', currency: 'EUR' },
      });
      const lateRow = `tr[data-subject-id="${late.id}"][data-task-kind="deposit.confirm_receipt"]`;
      await expect
        .poll(
          async () => (await app.pool.query('SELECT 1 FROM task WHERE subject_id = $1', [late.id])).rowCount,
        )
        .toBe(1);
      await app.pool.query(`UPDATE task SET due_at = now() - interval '1 hour' WHERE subject_id = $1`, [
        late.id,
      ]);

      const page = await stack.signIn(ops);
      await page.goto(
        `${app.url}/ops/tasks?kind=deposit.confirm_receipt&q=${encodeURIComponent(client.email)}`,
      );
      await page.waitForFunction(() => '__remixRouter' in window, undefined, { timeout: 10_000 });
      expect(await page.getAttribute(lateRow, 'class')).toContain('overdue');
      expect(await page.textContent(lateRow)).toContain('(overdue)');
      expect(
        Number.parseInt((await page.textContent('[data-testid=inbox-overdue]')) ?? '', 10),
      ).toBeGreaterThanOrEqual(1);

      // A task that opens while the inbox is shown appears without a reload (the tab regaining focus).
      const fresh = await as(client, '/deposits', {
        method: 'POST',
        json: { amount: '32.00', currency: 'EUR' },
      });
      const freshRow = page.locator(`tr[data-subject-id="${fresh.id}"]`);
      await expect
        .poll(
          async () => {
            await page.evaluate(() => window.dispatchEvent(new Event('focus')));
            return freshRow.count();
          },
          { timeout: 30_000, interval: 1_000 },
        )
        .toBe(1);
      await page.context().close();
    },
    SLOW_MS,
  );
});
