// A create other than an order whose every answer was lost (the client gave up on 503s) may still
// have made its resource: a deposit waiting for its money, a withdrawal holding its amount. The
// chaos checker finds it by the id its POST derives from the sender and the Idempotency-Key
// (api/idempotency.ts idempotentUuid) and counts it: in the lifecycle's resources and in the balance
// model. A fake platform stands in for the API: it answers a withdrawal's prerequisites, makes the
// resource of a POST it is told to lose (id from the key, as the server does) and answers 503.
import { afterEach, describe, expect, it } from 'vitest';
import { idempotentUuid } from '../../api/idempotency.js';
import { adoptLostCreates } from '../../scripts/chaos/check-lost.js';
import { modelBalances } from '../../scripts/chaos/check-model.js';
import { ApiClient, RequestStats, type Session } from '../../scripts/chaos/client.js';
import { seededRandom } from '../../scripts/chaos/random.js';
import { runDeposit } from '../../scripts/chaos/scenarios/deposit.js';
import { Driver } from '../../scripts/chaos/scenarios/driver.js';
import type { Lifecycle, ScenarioWorld } from '../../scripts/chaos/scenarios/index.js';
import { runWithdrawal } from '../../scripts/chaos/scenarios/withdrawal.js';
import { fakeServer, freshLifecycle, QUICK_RETRIES } from './fake-platform.js';

const CLIENT_ID = '11111111-1111-4111-8111-111111111111';
const person = (id: string, role: string): Session => ({
  id,
  role,
  token: id,
  email: `${role}@x`,
  password: 'p',
});
const client = person(CLIENT_ID, 'client');
const staff = {
  ops: person('33333333-3333-4333-8333-333333333333', 'operations'),
  ops2: person('44444444-4444-4444-8444-444444444444', 'operations'),
  aml: person('55555555-5555-4555-8555-555555555555', 'aml_officer'),
  auditor: person('66666666-6666-4666-8666-666666666666', 'auditor'),
};

let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  await close?.();
  close = undefined;
});

interface Made {
  id: string;
  workflowId: string;
  status: string;
  [field: string]: unknown;
}

/**
 * The platform, as far as a withdrawal's steps go. Every create's id derives from the sender and
 * the key; a POST of a path in `lose` makes its resource and answers 503, every time; `never` makes
 * nothing and answers 503. GET of a made deposit or withdrawal answers it, of any other 404.
 */
async function platform(lose: { lose?: string[]; never?: string[] }) {
  const made = new Map<string, Made>();
  const gets: string[] = [];
  const keys: Record<string, string[]> = {};
  const make = (
    scope: string,
    sender: string,
    key: string,
    fields: { status: string; [field: string]: unknown },
  ) => {
    const id = idempotentUuid(sender, key, scope);
    const resource: Made = made.get(id) ?? {
      ...fields,
      id,
      workflowId: `${scope.replace('_', '-')}-${id}`,
    };
    made.set(id, resource);
    return resource;
  };
  const answer = (req: { method?: string; url?: string; headers: Record<string, unknown> }, text: string) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace('/api/v1', '');
    const sender = String(req.headers.authorization ?? '').replace('Bearer ', '');
    const key = String(req.headers['idempotency-key'] ?? '');
    const json = String(req.headers['content-type'] ?? '').includes('json') ? JSON.parse(text) : {};
    if (req.method === 'GET') {
      gets.push(path);
      const [, type, id] = path.split('/');
      const found = made.get(id ?? '');
      return found && (type === 'deposits' || type === 'withdrawals') ? [200, found] : [404, null];
    }
    if (key) (keys[path] ??= []).push(key);
    if (lose.never?.includes(path)) return [503, null];
    let created: Made | null = null;
    if (path === '/kyc/documents') return [201, { id: idempotentUuid(sender, key, 'kyc_document') }];
    if (path === '/kyc/submit') return [200, { status: 'PENDING_REVIEW' }];
    if (/^\/ops\/kyc\/[^/]+\/approve$/.test(path)) return [200, { status: 'APPROVED' }];
    if (path === '/bank-accounts')
      created = make('bank_account', sender, key, { status: 'PENDING_VERIFICATION' });
    if (/^\/ops\/bank-accounts\/[^/]+\/verify$/.test(path)) return [200, { status: 'VERIFIED' }];
    if (path === '/deposits')
      created = make('deposit', sender, key, { status: 'PENDING', amount: json.amount, reference: 'CH-1' });
    const confirmed = /^\/ops\/deposits\/([^/]+)\/confirm$/.exec(path);
    if (confirmed) {
      const deposit = made.get(confirmed[1]!)!;
      deposit.status = 'CLEARED';
      return [200, deposit];
    }
    // The amount is held as the workflow starts; it waits for an approval.
    if (path === '/withdrawals')
      created = make('withdrawal', sender, key, { status: 'PENDING_APPROVAL', amount: json.amount });
    if (!created) return [404, null];
    return lose.lose?.includes(path) ? [503, null] : [201, created];
  };
  const fake = await fakeServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const [status, body] = answer(req, text) as [number, unknown];
      res.setHeader('content-type', 'application/json');
      if (status === 503) res.setHeader('retry-after', '0');
      res.writeHead(status);
      const error =
        status >= 400 ? { error: { code: status === 503 ? 'temporarily_unavailable' : 'not_found' } } : null;
      res.end(JSON.stringify(error ?? body));
    });
  });
  close = fake.close;
  const api = new ApiClient(fake.url, new RequestStats(), QUICK_RETRIES, seededRandom(1));
  return { api, made, gets, keys };
}

const lifecycleOf = (kind: string) => freshLifecycle(3, kind, CLIENT_ID);

function driverOf(api: ApiClient, lifecycle: Lifecycle): Driver {
  const world = { api, staff, lifecycles: [lifecycle], lifecycleBudgetMs: 5_000, pollMs: 10 };
  return new Driver(world as unknown as ScenarioWorld, lifecycle, client, seededRandom(2));
}

describe('the chaos checker and a lost create answer of a deposit or a withdrawal', () => {
  it('a lost deposit is noted with its key, found by the id the key makes and counted PENDING', async () => {
    const { api, made, gets, keys } = await platform({ lose: ['/deposits'] });
    const lifecycle = lifecycleOf('deposit_clear');
    await expect(runDeposit(driverOf(api, lifecycle), 12_345n, 'clear')).rejects.toMatchObject({
      kind: 'gave_up',
    });
    // Every attempt carried the same key; the deposit is not known by id.
    expect(keys['/deposits']).toHaveLength(3);
    const [key] = new Set(keys['/deposits']);
    expect(lifecycle.resources).toEqual([]);
    expect(lifecycle.lostCreates).toEqual([
      {
        type: 'deposit',
        senderId: CLIENT_ID,
        idempotencyKey: key,
        ownerId: CLIENT_ID,
        intended: 'PENDING',
        step: 'announce deposit',
        amountMinor: 12_345n,
        asset: 'EUR',
      },
    ]);

    const problems: string[] = [];
    const lost = await adoptLostCreates(api, staff.auditor, [lifecycle], problems);
    expect(problems).toEqual([]);
    const [deposit] = [...made.values()];
    expect(gets).toEqual([`/deposits/${deposit!.id}`]);
    expect(lost).toEqual({
      found: [`deposit ${deposit!.id} (announce deposit, lifecycle #3 deposit_clear), intended PENDING`],
      notFound: [],
    });
    expect(lifecycle.resources).toMatchObject([
      {
        type: 'deposit',
        id: deposit!.id,
        workflowId: `deposit-${deposit!.id}`,
        intended: 'PENDING',
        lastStatus: 'PENDING',
        ownerId: CLIENT_ID,
        amountMinor: 12_345n,
        asset: 'EUR',
        detail: { reference: 'CH-1' },
      },
    ]);

    // Looked up again (after the settle): counted once, not asked again.
    await adoptLostCreates(api, staff.auditor, [lifecycle], problems);
    expect(lifecycle.resources).toHaveLength(1);
    expect(gets).toHaveLength(1);
  });

  it('a lost withdrawal is found and its hold is the client’s pending in the balance model', async () => {
    const { api, made, keys } = await platform({ lose: ['/withdrawals'] });
    const lifecycle = lifecycleOf('withdrawal_paid');
    await expect(runWithdrawal(driverOf(api, lifecycle), 'paid')).rejects.toMatchObject({
      kind: 'gave_up',
    });
    // KYC, the bank account and the cleared deposit are known; the withdrawal only by its key.
    expect(lifecycle.resources.map((r) => `${r.type} ${r.lastStatus}`).sort()).toEqual([
      'bank_account VERIFIED',
      'deposit CLEARED',
      'kyc APPROVED',
    ]);
    const withdrawal = [...made.values()].find((r) => r.workflowId.startsWith('withdrawal-'))!;
    const amountMinor = BigInt(String(withdrawal.amount).replace('.', ''));
    expect(lifecycle.lostCreates).toEqual([
      {
        type: 'withdrawal',
        senderId: CLIENT_ID,
        idempotencyKey: keys['/withdrawals']![0],
        ownerId: CLIENT_ID,
        intended: 'PENDING_APPROVAL',
        step: 'request withdrawal',
        amountMinor,
      },
    ]);
    const before = modelBalances([lifecycle], []).expected.get(CLIENT_ID)?.get('EUR');
    expect(before).toMatchObject({ total: 100_000n, pending: 0n });

    const problems: string[] = [];
    const lost = await adoptLostCreates(api, staff.auditor, [lifecycle], problems);
    expect(problems).toEqual([]);
    expect(lost.found).toEqual([
      `withdrawal ${withdrawal.id} (request withdrawal, lifecycle #3 withdrawal_paid), intended PENDING_APPROVAL`,
    ]);
    expect(lifecycle.resources.find((r) => r.type === 'withdrawal')).toMatchObject({
      id: withdrawal.id,
      workflowId: withdrawal.workflowId,
      lastStatus: 'PENDING_APPROVAL',
      amountMinor,
    });
    // The model counts the hold: still the client's money, reserved for the payout.
    const after = modelBalances([lifecycle], []).expected.get(CLIENT_ID)?.get('EUR');
    expect(after).toMatchObject({ total: 100_000n, pending: amountMinor });
  });

  it('says so, by its key, when the platform never made it', async () => {
    const { api, gets, keys } = await platform({ never: ['/deposits'] });
    const lifecycle = lifecycleOf('deposit_cancel');
    await expect(runDeposit(driverOf(api, lifecycle), 500n, 'cancel')).rejects.toMatchObject({
      kind: 'gave_up',
    });
    const lost = await adoptLostCreates(api, staff.auditor, [lifecycle], []);
    expect(gets).toHaveLength(1);
    expect(lost).toEqual({
      found: [],
      notFound: [`deposit key ${keys['/deposits']![0]} (announce deposit, lifecycle #3 deposit_cancel)`],
    });
    expect(lifecycle.resources).toEqual([]);
  });
});
