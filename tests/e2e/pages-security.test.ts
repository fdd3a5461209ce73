// The pages' script policy and forms in a real browser: with the nonce CSP (no 'unsafe-inline'),
// pages hydrate and violate nothing; with JavaScript off, the login form posts as a plain HTML form
// (the browser sends `Origin: null` unless the referrer policy allows it) and signs in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp, type TestUser } from '../../api/testing.js';
import { mountWeb, webBuildExists } from '../../api/pages/mount.js';
import { chromiumAvailable, launchBrowser } from '../support/browser.js';

describe.skipIf(!webBuildExists() || !chromiumAvailable())('page security in the browser', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startTestApp({ mountWeb });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** A page that records every CSP violation (console and securitypolicyviolation events). */
  async function watchedPage(javaScriptEnabled: boolean): Promise<{ page: Page; violations: string[] }> {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        const seen = ((window as unknown as { __csp?: string[] }).__csp ??= []);
        seen.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    return { page, violations };
  }

  async function fillLogin(page: Page, user: TestUser) {
    await page.fill('input[name=email]', user.email);
    await page.fill('input[name=password]', user.password);
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/login')),
      page.click('button[type=submit]'),
    ]);
  }

  it('hydrates under the nonce CSP with no violation, and signs in through the Remix form', async () => {
    const user = await app.createUser('client');
    const { page, violations } = await watchedPage(true);
    const answer = await page.goto(`${app.url}/login`);
    expect(answer?.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+'/);
    await page.waitForFunction(() => '__remixRouter' in window, undefined, { timeout: 10_000 });
    await fillLogin(page, user);
    expect(new URL(page.url()).pathname).toBe('/app/balances');
    await page.waitForFunction(() => '__remixRouter' in window, undefined, { timeout: 10_000 });
    const reported = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
    expect([...violations, ...reported]).toEqual([]);
    await page.context().close();
  });

  it('without JavaScript the login form is a plain form POST that signs in (no 500)', async () => {
    const user = await app.createUser('operations');
    const { page } = await watchedPage(false);
    await page.goto(`${app.url}/login`);
    const [post] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      fillLogin(page, user),
    ]);
    expect(post.status()).toBe(302);
    expect(new URL(page.url()).pathname).toBe('/ops/tasks');
    expect(await page.textContent('body')).not.toContain('Something went wrong');

    // Signing out is a plain form too, and the old page session is over.
    const logout = page.locator('form[action="/logout"] button');
    expect(await logout.count()).toBeGreaterThan(0);
    await Promise.all([page.waitForURL(/\/login/), logout.first().click()]);
    await page.goto(`${app.url}/ops/tasks`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.context().close();
  });
});
