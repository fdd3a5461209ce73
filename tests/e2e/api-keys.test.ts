// API keys in a real browser, JavaScript off: an admin issues a key to a market maker on
// /ops/api-keys, sees it once, finds its prefix in the list (and never the key again), the key
// works against the API, then the admin revokes it through the confirmation step and it stops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../api/testing.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

describe('API keys in the browser', () => {
  let stack: WebStack;
  let app: TestApp;

  beforeAll(async () => {
    stack = await startWebStack();
    ({ app } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('issue without JavaScript → shown once → prefix in the list → revoke with confirmation', async () => {
    const admin = await app.createUser('admin');
    const maker = await app.createUser('client');
    const page = await stack.signIn(admin, { javaScriptEnabled: false });

    await page.goto(`${app.url}/ops/api-keys`);
    const form = page.locator('[data-testid=issue]');
    await form.locator('input[name=ownerEmail]').fill(maker.email);
    await form.locator('input[name=name]').fill('quoting bot');
    await form.locator('input[value="orders:write"]').check();
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    const key = (await page.locator('[data-testid=new-key-value]').textContent())?.trim() ?? '';
    expect(key).toMatch(/^chk_[A-Za-z0-9_-]{43}$/);
    const prefix = key.slice(0, 12);
    const row = page.locator(`[data-testid=api-keys] tr[data-prefix="${prefix}"]`);
    expect(await row.textContent()).toContain('quoting bot');
    expect(await row.getAttribute('data-status')).toBe('active');
    await page.screenshot({ path: 'tmp/e2e-api-keys.png', fullPage: true });

    // The key authenticates as the maker; reloading the page never shows it again.
    const before = await fetch(`${app.url}/api/v1/orders`, { headers: { 'X-API-Key': key } });
    expect(before.status).toBe(200);
    await page.goto(`${app.url}/ops/api-keys`);
    expect(await page.content()).not.toContain(key);
    expect(await page.locator('[data-testid=new-key]').count()).toBe(0);

    // An unknown owner is refused beside the field, and nothing is issued.
    await form.locator('input[name=ownerEmail]').fill('nobody-here@test.example');
    await form.locator('input[name=name]').fill('stray');
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    expect(await page.locator('[data-testid=new-key]').count()).toBe(0);
    expect(await page.locator('.field-error').first().textContent()).toBeTruthy();

    // Revoke: the first button only asks; the second one revokes.
    await page.goto(`${app.url}/ops/api-keys`);
    const revokeRow = page.locator(`[data-testid=api-keys] tr[data-prefix="${prefix}"]`);
    await revokeRow.locator('summary', { hasText: 'Revoke' }).click();
    await Promise.all([
      page.waitForLoadState('load'),
      revokeRow.locator('button', { hasText: 'Yes, revoke it' }).click(),
    ]);
    await page.waitForSelector('text=Key revoked');
    expect(
      await page.locator(`[data-testid=api-keys] tr[data-prefix="${prefix}"]`).getAttribute('data-status'),
    ).toBe('revoked');
    const after = await fetch(`${app.url}/api/v1/orders`, { headers: { 'X-API-Key': key } });
    expect(after.status).toBe(401);

    // The market makers' pages name the maker and list the key.
    await page.goto(`${app.url}/ops/market-makers`);
    expect(await page.locator(`[data-testid=market-makers] tr[data-email="${maker.email}"]`).count()).toBe(1);
    await page.goto(`${app.url}/ops/market-makers/${maker.id}`);
    expect(await page.locator(`[data-testid=mm-keys] tr[data-prefix="${prefix}"]`).count()).toBe(1);
    expect(await page.locator('[data-testid=mm-inventory]').count()).toBe(1);
    await page.context().close();
  });
});
