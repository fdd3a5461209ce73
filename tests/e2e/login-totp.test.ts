// Two-factor sign-in on the login page with JavaScript switched off: a staff member who enrolled TOTP
// (through the API, the code computed with domain/totp.ts) gives email and password, is asked for
// the code on a second form that never carries the password readable, lands on the staff pages with
// the right code; a wrong code is refused in words and counts as a failed sign-in (the login
// throttle's row); a recovery code works once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestUser } from '../../api/testing.js';
import { totpCode, TOTP_STEP_SECONDS } from '../../domain/totp.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

describe('two-factor sign-in on the login page, without JavaScript', () => {
  let stack: WebStack;

  beforeAll(async () => {
    stack = await startWebStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** A staff member with TOTP enrolled and confirmed through the API. */
  async function enrolled(): Promise<{ user: TestUser; secret: string; recoveryCodes: string[] }> {
    const user = await stack.app.createUser('operations');
    const { accessToken } = await stack.app.login(user);
    const enrol = await stack.app.api('/api/v1/auth/totp/enrol', {
      method: 'POST',
      json: {},
      token: accessToken,
    });
    expect(enrol.status, enrol.text).toBe(200);
    const secret = enrol.body.secret as string;
    const confirmed = await stack.app.api('/api/v1/auth/totp/confirm', {
      method: 'POST',
      json: { code: totpCode(secret, Date.now()) },
      token: accessToken,
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    return { user, secret, recoveryCodes: confirmed.body.recoveryCodes };
  }

  /** Email and password on a page where no script runs; answers the page showing the code form. */
  async function passwordStep(user: TestUser): Promise<Page> {
    const page = await (await stack.browser.newContext({ javaScriptEnabled: false })).newPage();
    await page.goto(`${stack.app.url}/login`);
    expect(await page.evaluate(() => '__remixRouter' in window)).toBe(false);
    await page.fill('input[name=email]', user.email);
    await page.fill('input[name=password]', user.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=code]');
    expect(await page.textContent('h2')).toBe('Two-factor sign-in');
    // The first ask is no error, and the password is nowhere in the page.
    expect(await page.locator('[role=alert]').count()).toBe(0);
    expect(await page.content()).not.toContain(user.password);
    expect(await page.locator('input[name=password]').count()).toBe(0);
    return page;
  }

  async function submitCode(page: Page, code: string): Promise<void> {
    await page.fill('input[name=code]', code);
    await page.click('button:has-text("Verify and sign in")');
    await page.waitForLoadState('load');
  }

  /** A six-digit code that is none of the window's valid ones. */
  function wrongCode(secret: string): string {
    const valid = new Set(
      [-1, 0, 1].map((steps) => totpCode(secret, Date.now() + steps * TOTP_STEP_SECONDS * 1000)),
    );
    for (let n = 0; ; n++) {
      const code = String(n).padStart(6, '0');
      if (!valid.has(code)) return code;
    }
  }

  it('asks for the code after the password, refuses a wrong one in words, and signs in with the right one', async () => {
    const { user, secret } = await enrolled();
    const page = await passwordStep(user);

    await submitCode(page, wrongCode(secret));
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.textContent('[role=alert]')).toBe(
      'The code is not right; enter the code your app shows now.',
    );
    expect(await page.content()).not.toContain(user.password);
    const { rows } = await stack.app.pool.query('SELECT 1 FROM login_failure WHERE email = $1', [user.email]);
    expect(rows).toHaveLength(1);

    // The confirmation spent the current step; the next one's code is inside the window.
    await submitCode(page, totpCode(secret, Date.now() + TOTP_STEP_SECONDS * 1000));
    expect(new URL(page.url()).pathname).toMatch(/^\/ops(\/|$)/);
    await page.context().close();
  });

  it('takes a recovery code once; the second time it is refused', async () => {
    const { user, recoveryCodes } = await enrolled();
    const code = recoveryCodes[0]!;

    const first = await passwordStep(user);
    await submitCode(first, code);
    expect(new URL(first.url()).pathname).toMatch(/^\/ops(\/|$)/);
    await first.context().close();

    const second = await passwordStep(user);
    await submitCode(second, code);
    expect(new URL(second.url()).pathname).toBe('/login');
    expect(await second.textContent('[role=alert]')).toContain('The code is not right');
    await second.context().close();
  });

  it('a tampered form token starts again from the password', async () => {
    const { user } = await enrolled();
    const page = await passwordStep(user);
    await page.evaluate(() => {
      const step = document.querySelector<HTMLInputElement>('input[name=step]')!;
      step.value = `${step.value.slice(0, -4)}AAAA`;
    });
    await submitCode(page, '123456');
    expect(await page.textContent('[role=alert]')).toBe(
      'The sign-in took too long; enter your email and password again.',
    );
    expect(await page.locator('input[name=password]').count()).toBe(1);
    await page.context().close();
  });
});
