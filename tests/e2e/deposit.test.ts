// The deposit lifecycle in a real browser against the real stack: pages served by the server,
// Temporal dev server, worker, PostgreSQL. A client announces, operations confirm from the inbox,
// the AML officer releases, and the client's open page turns CLEARED by itself (SSE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../api/testing.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';
import { trialBalance } from '../../db/ledger/index.js';

describe('deposit in the browser', () => {
  let stack: WebStack;
  let app: TestApp;
  let signIn: WebStack['signIn'];

  beforeAll(async () => {
    stack = await startWebStack();
    ({ app, signIn } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('client announces, operations confirm, AML releases, the timeline shows CLEARED and the balance rises', async () => {
    const client = await app.createUser('client');
    const ops = await app.createUser('operations');
    const aml = await app.createUser('aml_officer');

    // Client: announce 500.00 EUR and land on the deposit page with wire instructions.
    const clientPage = await signIn(client);
    await clientPage.goto(`${app.url}/app/deposits`);
    await clientPage.fill('input[name=amount]', '500.00');
    await clientPage.selectOption('select[name=currency]', 'EUR');
    await Promise.all([
      clientPage.waitForURL(/\/app\/deposits\/[^/]+$/),
      clientPage.click('text=Announce deposit'),
    ]);
    const depositId = new URL(clientPage.url()).pathname.split('/').pop()!;
    expect(await clientPage.textContent('[data-testid=status]')).toBe('PENDING');
    expect(await clientPage.textContent('[data-testid=reference]')).toMatch(/^CH-[0-9A-Z]{10}$/);
    // The page follows the deposit over SSE from here on.
    await clientPage.locator('text=Live: this page updates by itself.').waitFor({ timeout: 10_000 });

    // Operations: the inbox has the confirm task; claim it, open it, confirm receipt.
    const opsPage = await signIn(ops);
    // Only receipt tasks: other test files share the database, and the inbox shows 100 at a time.
    await opsPage.goto(`${app.url}/ops/tasks?kind=deposit.confirm_receipt`);
    const row = opsPage.locator(
      `tr[data-subject-id="${depositId}"][data-task-kind="deposit.confirm_receipt"]`,
    );
    await row.waitFor();
    await row.locator('button', { hasText: 'Claim' }).click();
    await opsPage.locator('text=Task claimed').waitFor();
    await Promise.all([
      opsPage.waitForURL(new RegExp(`/ops/deposits/${depositId}$`)),
      opsPage.locator(`tr[data-subject-id="${depositId}"] a`, { hasText: 'Open' }).click(),
    ]);
    await opsPage.fill('input[name=receivedAmount]', '500.00');
    await opsPage.click('button:has-text("Confirm receipt")');
    await opsPage.locator('text=Receipt confirmed.').waitFor();

    // AML officer: release early from the review panel.
    const amlPage = await signIn(aml);
    await amlPage.goto(`${app.url}/ops/deposits/${depositId}`);
    const releaseForm = amlPage.locator('form', { has: amlPage.locator('button:has-text("Release now")') });
    await releaseForm.locator('input[name=note]').fill('Source of funds documented');
    await releaseForm.locator('button:has-text("Release now")').click();
    await amlPage.locator('text=Released.').waitFor();

    // Client: the already-open page turns CLEARED without a reload, with every transition listed.
    await clientPage.locator('[data-testid=status]', { hasText: 'CLEARED' }).waitFor({ timeout: 20_000 });
    const statuses = await clientPage
      .locator('ol.timeline li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-status')));
    expect(statuses[0]).toBe('PENDING');
    expect(statuses.at(-1)).toBe('CLEARED');
    expect(statuses.some((s) => s === 'ON_HOLD' || s === 'AML_REVIEW')).toBe(true);

    await clientPage.goto(`${app.url}/app/balances`);
    expect((await clientPage.textContent('tr[data-asset=EUR] [data-field=available]'))?.trim()).toBe(
      '500.00 EUR',
    );

    const balance = await trialBalance(app.pool);
    expect(balance.balanced).toBe(true);
    expect(balance.accountsMatchLines).toBe(true);
  });
});
