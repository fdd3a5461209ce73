// The whole stack a browser test needs: the server with its pages (in-process), a worker on this
// file's task queue of the shared dev server, and Debian's Chromium; plus signing a person in.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startTestApp, type TestApp, type TestUser } from '../../api/testing.js';
import { closeTemporalClient } from '../../api/temporal-client.js';
import { closeLifecycleNotifications } from '../../api/live-updates.js';
import { mountWeb } from '../../api/pages/mount.js';
import { launchBrowser } from './browser.js';
import { startTestWorker, type TestTemporal } from './temporal.js';

export interface WebStack {
  app: TestApp;
  temporal: TestTemporal;
  browser: Browser;
  /**
   * A fresh browser context (with `context`'s options: JavaScript off, a time zone) signed in
   * through the login page as `user`: the form posted, and the page away from /login.
   */
  signIn(user: TestUser, context?: BrowserContextOptions): Promise<Page>;
  stop(): Promise<void>;
}

export async function startWebStack(): Promise<WebStack> {
  const temporal = await startTestWorker();
  const app = await startTestApp({ mountWeb });
  const browser = await launchBrowser();
  return {
    app,
    temporal,
    browser,
    async signIn(user, context = {}) {
      const page = await (await browser.newContext(context)).newPage();
      await page.goto(`${app.url}/login`);
      await page.fill('input[name=email]', user.email);
      await page.fill('input[name=password]', user.password);
      await Promise.all([
        page.waitForURL((url) => !url.pathname.startsWith('/login')),
        page.click('button[type=submit]'),
      ]);
      return page;
    },
    async stop() {
      await browser.close();
      await app.close();
      await temporal.stop();
      await closeTemporalClient();
      await closeLifecycleNotifications();
    },
  };
}
