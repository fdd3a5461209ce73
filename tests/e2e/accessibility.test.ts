// axe-core in a real browser over the pages people use most: no serious or critical violation
// (labels, names, contrast, landmarks, ARIA), and the main actions reachable with the keyboard.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestApp } from '../../api/testing.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Serious and critical axe violations of the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated by the test driver, not as a page script: the pages' nonce CSP rightly refuses inline tags.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run({ resultTypes: ['violations'] })).violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('accessibility', () => {
  let stack: WebStack;
  let app: TestApp;

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('login, client and staff pages have no serious axe violation', async () => {
    const client = await app.createUser('client');
    const ops = await app.createUser('operations');
    const token = (await app.login(client)).accessToken;
    const deposit = await app.api('/api/v1/deposits', {
      method: 'POST',
      token,
      idempotencyKey: randomUUID(),
      json: { amount: '99.00', currency: 'EUR' },
    });
    expect(deposit.status).toBe(201);

    const anonymous = await (await stack.browser.newContext()).newPage();
    await anonymous.goto(`${app.url}/login`);
    const found: Record<string, string[]> = { '/login': await seriousViolations(anonymous) };
    await anonymous.context().close();

    const clientPage = await stack.signIn(client);
    for (const path of ['/app/balances', '/app/deposits', `/app/deposits/${deposit.body.id}`]) {
      await clientPage.goto(`${app.url}${path}`);
      found[path] = await seriousViolations(clientPage);
    }
    const opsPage = await stack.signIn(ops);
    for (const path of [
      '/ops/tasks',
      '/ops/deposits',
      `/ops/deposits/${deposit.body.id}`,
      '/ops/dashboard',
      `/ops/clients/${client.id}/statement`,
    ]) {
      await opsPage.goto(`${app.url}${path}`);
      found[path] = await seriousViolations(opsPage);
    }
    expect(Object.fromEntries(Object.entries(found).filter(([, v]) => v.length > 0))).toEqual({});
    await clientPage.context().close();
    await opsPage.context().close();
  });

  it('a deposit can be announced with the keyboard alone', async () => {
    const client = await app.createUser('client');
    const page = await stack.signIn(client);
    await page.goto(`${app.url}/app/deposits`);
    await page.focus('input[name=amount]');
    await page.keyboard.type('42.00');
    await page.keyboard.press('Tab'); // currency
    await page.keyboard.press('Tab'); // your reference
    await page.keyboard.press('Tab'); // the submit button
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Announce deposit');
    await Promise.all([page.waitForURL(/\/app\/deposits\/[^/]+$/), page.keyboard.press('Enter')]);
    expect(await page.textContent('[data-testid=status]')).toBe('PENDING');
    await page.context().close();
  });
});
