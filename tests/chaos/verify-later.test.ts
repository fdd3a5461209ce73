// Operations verifying a registry account while the registry is down: the workflow hands the verify
// back (422 registry_unavailable, "verify again later", the account stays PENDING_VERIFICATION) and
// the chaos scenario's operations verify again later, as a new action. A long run (seed 53, run 4)
// had a registry outage hit a verify at 293.8 s; the lifecycle stopped on that 422 and the account
// stayed PENDING_VERIFICATION for good. Any other refusal still stops the lifecycle.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, RequestStats, type RetryPolicy } from '../../scripts/chaos/client.js';
import { seededRandom } from '../../scripts/chaos/random.js';
import { Driver } from '../../scripts/chaos/scenarios/driver.js';
import type { ScenarioWorld, Staff } from '../../scripts/chaos/scenarios/index.js';
import { freshLifecycle } from './fake-platform.js';

const POLICY: RetryPolicy = {
  budgetMs: 5_000,
  maxAttempts: 2,
  attemptTimeoutMs: 2_000,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterMs: 50,
};
const ACCOUNT_ID = '44444444-4444-4444-8444-444444444444';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** POST /registry-accounts: 201; each verify answers the next of `verifies` (the last one again). */
async function registry(verifies: { status: number; code?: string }[]) {
  const seen: IncomingHttpHeaders[] = [];
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      const account = { id: ACCOUNT_ID, workflowId: `registry-account-${ACCOUNT_ID}` };
      if (req.url === '/api/v1/registry-accounts') {
        res.writeHead(201);
        res.end(JSON.stringify({ ...account, status: 'PENDING_VERIFICATION' }));
        return;
      }
      seen.push(req.headers);
      const step = verifies[Math.min(seen.length - 1, verifies.length - 1)]!;
      res.writeHead(step.status);
      res.end(
        JSON.stringify(
          step.code
            ? { error: { code: step.code, message: 'scripted', details: null } }
            : { ...account, status: 'VERIFIED' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, seen };
}

function clientDriver(url: string): Driver {
  const api = new ApiClient(url, new RequestStats(), POLICY, seededRandom(1));
  const person = (role: string) => ({ id: role, role, token: 't', email: `${role}@x`, password: 'p' });
  const staff: Staff = {
    ops: person('operations'),
    ops2: person('operations'),
    aml: person('aml_officer'),
    auditor: person('auditor'),
  };
  const lifecycle = freshLifecycle(1, 'registry_account_verify', 'client');
  const world = { api, staff, lifecycleBudgetMs: 60_000, pollMs: 10 } as unknown as ScenarioWorld;
  return new Driver(world, lifecycle, person('client'), seededRandom(2));
}

const body = { registry: 'EU', accountId: 'EU-100-1234567-0-01', holderName: 'Chaos Holder 1' };

describe('verifying a registry account through a registry outage', () => {
  it('verifies again later after 422 registry_unavailable, each time a new action', async () => {
    const { url, seen } = await registry([
      { status: 422, code: 'registry_unavailable' },
      { status: 422, code: 'registry_unavailable' },
      { status: 200 },
    ]);
    const driver = clientDriver(url);
    const account = await driver.addVerified('registry_account', '/registry-accounts', body, 'ok');
    expect(account.lastStatus).toBe('VERIFIED');
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((h) => h['x-request-id'])).size).toBe(3);
  });

  it('stops on any other refusal', async () => {
    const { url, seen } = await registry([{ status: 422, code: 'registry_account_not_found' }]);
    const driver = clientDriver(url);
    await expect(
      driver.addVerified('registry_account', '/registry-accounts', body, 'ok'),
    ).rejects.toMatchObject({
      kind: 'refused',
      message: 'verify registry account: 422 registry_account_not_found',
    });
    expect(seen).toHaveLength(1);
  });
});
