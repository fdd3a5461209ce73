// npm run screenshots: PNGs of the main pages into docs/screenshots/, from a stack of the script's
// own, started the way the browser tests start theirs (tests/support): a Temporal dev server on a
// free port, a fresh database (clearhouse_screenshots), a worker and the server with its pages in
// this process, Debian's Chromium through playwright-core. The demo people (db/seed.ts) play the
// scenario of scripts/screenshots/scenario.ts through the API; then each page is captured at
// 1280×800 as its role sees it. Everything started here is stopped at the end.
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const OUT_DIR = resolve('docs/screenshots');
const VIEWPORT = { width: 1280, height: 800 };
/** Kept in the repository: a PNG above this is a page worth a look (or a smaller capture). */
const MAX_PNG_BYTES = 300 * 1024;

// Before any module reads the configuration (db/config.ts reads the environment once).
const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse';
const databaseUrl = baseUrl.replace(/\/[^/?]+(\?|$)/, '/clearhouse_screenshots$1');
process.env.DATABASE_URL = databaseUrl;
process.env.TEMPORAL_TASK_QUEUE = 'screenshots';
process.env.LOG_LEVEL ??= 'warn';
process.env.RECONCILIATION_SCHEDULE = '0';
// First defaults of the per-asset limits, so the policy page shows some (the domain has none).
process.env.DEPOSIT_POLICY_JSON ??= JSON.stringify({ maxAmount: { EUR: '250000.00', USD: '250000.00' } });

interface Shot {
  file: string;
  as: string;
  path: string;
  /** An element to scroll to the top of the view first (a page whose subject is not at its top). */
  focus?: string;
}

function shotsFor(s: import('./screenshots/scenario.js').Scenario): Shot[] {
  return [
    { file: 'client-dashboard.png', as: 'client@example.com', path: '/app' },
    {
      file: 'client-deposit-timeline.png',
      as: 'client@example.com',
      path: `/app/deposits/${s.heldDepositId}`,
    },
    { file: 'client-trading.png', as: 'client@example.com', path: '/app/trade/EUA' },
    { file: 'client-portfolio.png', as: 'client@example.com', path: '/app/portfolio' },
    { file: 'staff-inbox.png', as: 'ops2@example.com', path: '/ops/tasks' },
    { file: 'staff-deposit-detail.png', as: 'ops@example.com', path: `/ops/deposits/${s.heldDepositId}` },
    { file: 'staff-dashboard.png', as: 'ops@example.com', path: '/ops/dashboard' },
    {
      file: 'staff-reconciliation.png',
      as: 'ops@example.com',
      path: `/ops/reconciliations/${s.reconciliationId}`,
    },
    {
      file: 'admin-policies.png',
      as: 'admin@example.com',
      path: '/admin/policies',
      focus: '[data-policy=deposit]',
    },
    {
      file: 'auditor-workflow-history.png',
      as: 'auditor@example.com',
      path: `/audit/workflows/${encodeURIComponent(s.heldDepositWorkflowId)}`,
    },
  ];
}

async function main(): Promise<void> {
  const { freePort, startDevServer } = await import('../tests/support/dev-server.js');
  const temporal = await startDevServer(await freePort());
  process.env.TEMPORAL_ADDRESS = temporal.address;
  const stops: (() => Promise<unknown>)[] = [() => temporal.stop()];
  try {
    const { dropAndCreateDatabase, migrate } = await import('../db/migrate.js');
    await dropAndCreateDatabase(databaseUrl);
    await migrate(databaseUrl);
    const { buildWebIfStale } = await import('./web-build.js');
    await buildWebIfStale();

    const { NativeConnection } = await import('@temporalio/worker');
    const { createWorker } = await import('../activities/worker.js');
    const connection = await NativeConnection.connect({ address: temporal.address });
    const worker = await createWorker({ connection });
    const running = worker.run();
    stops.unshift(async () => {
      worker.shutdown();
      await running;
      await connection.close();
    });

    const { startTestApp } = await import('../api/testing.js');
    const { mountWeb } = await import('../api/pages/mount.js');
    const app = await startTestApp({ mountWeb, apiRateLimitPerMinute: 0 });
    stops.unshift(() => app.close());
    const { seedDemoData, DEMO_PASSWORD } = await import('../db/seed.js');
    await seedDemoData(app.pool);
    const { approveDemoKyc } = await import('./demo-kyc.js');
    await approveDemoKyc(app.url);
    const { playScenario } = await import('./screenshots/scenario.js');
    const scenario = await playScenario(app);

    const { launchBrowser } = await import('../tests/support/browser.js');
    const browser = await launchBrowser();
    stops.unshift(() => browser.close());
    mkdirSync(OUT_DIR, { recursive: true });
    const problems: string[] = [];
    for (const shot of shotsFor(scenario)) {
      const context = await browser.newContext({ viewport: VIEWPORT, timezoneId: 'Europe/Brussels' });
      const page = await context.newPage();
      await page.goto(`${app.url}/login`);
      await page.fill('input[name=email]', shot.as);
      await page.fill('input[name=password]', DEMO_PASSWORD);
      await Promise.all([
        page.waitForURL((url) => !url.pathname.startsWith('/login')),
        page.click('button[type=submit]'),
      ]);
      const answer = await page.goto(`${app.url}${shot.path}`, { waitUntil: 'networkidle' });
      if (shot.focus) await page.locator(shot.focus).evaluate((element) => element.scrollIntoView());
      const file = resolve(OUT_DIR, shot.file);
      await page.screenshot({ path: file });
      const bytes = statSync(file).size;
      const status = answer?.status() ?? 0;
      console.log(`${shot.file.padEnd(32)} ${shot.path} as ${shot.as}: HTTP ${status}, ${bytes} bytes`);
      if (status !== 200) problems.push(`${shot.file}: HTTP ${status}`);
      if (bytes > MAX_PNG_BYTES) problems.push(`${shot.file}: ${bytes} bytes, above ${MAX_PNG_BYTES}`);
      await context.close();
    }
    if (problems.length > 0) {
      console.error(`Problems:\n  ${problems.join('\n  ')}`);
      process.exitCode = 1;
    }
  } finally {
    for (const stop of stops) await stop().catch((error: unknown) => console.error(error));
    const { closeTemporalClient } = await import('../api/temporal-client.js');
    const { closeLifecycleNotifications } = await import('../api/live-updates.js');
    const { closeMarketNotifications } = await import('../api/services/market.js');
    const { closePool } = await import('../db/pool.js');
    await closeTemporalClient();
    await closeLifecycleNotifications();
    await closeMarketNotifications();
    await closePool();
  }
}

await main();
// Everything this script started is stopped above; what may still hold the event loop (a timer of
// a background loop of the app, a socket being torn down) would only delay the exit.
process.exit();
