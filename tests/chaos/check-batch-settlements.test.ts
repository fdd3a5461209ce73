// A settlement lifecycle whose script stopped while it listed its batch's settlements (its budget ran
// out on a loaded machine: "batch …: 0 of 10 settlements listed") knew none of them, yet the batch
// started and delivered them. The checker must count them in the batch's lifecycle (so "one workflow
// per business key" knows them and the balance model sees their deliveries), in the status a script
// that stopped implies: DELIVERED. A fake API lists the batch's settlements.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptBatchSettlements } from '../../scripts/chaos/check-batch-settlements.js';
import { ApiClient, RequestStats } from '../../scripts/chaos/client.js';
import { seededRandom } from '../../scripts/chaos/random.js';
import type { Lifecycle, Resource } from '../../scripts/chaos/scenarios/index.js';
import { freshLifecycle, QUICK_RETRIES } from './fake-platform.js';

const BATCH_ID = '33333333-3333-4333-8333-333333333333';
const KNOWN_ID = '44444444-4444-4444-8444-444444444444';
const UNLISTED_ID = '55555555-5555-4555-8555-555555555555';
const CLIENT_ID = '11111111-1111-4111-8111-111111111111';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

const settlement = (id: string) => ({
  id,
  workflowId: `client-settlement-${id}`,
  clientId: CLIENT_ID,
  status: 'DELIVERED',
});

/** The batch counts three settlements; GET /settlements?batchId=BATCH_ID lists two of them. */
async function listingApi(): Promise<{ url: string; queries: string[] }> {
  const queries: string[] = [];
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET' && url.pathname === `/api/v1/ops/settlement-batches/${BATCH_ID}`) {
      // Three netted; the third child has not recorded its first transition, so it is not listed.
      res.writeHead(200);
      res.end(JSON.stringify({ id: BATCH_ID, status: 'SETTLING', settlements: 3 }));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/settlements') {
      const batchId = url.searchParams.get('batchId');
      queries.push(batchId ?? '');
      const items = batchId === BATCH_ID ? [settlement(KNOWN_ID), settlement(UNLISTED_ID)] : [];
      res.writeHead(200);
      res.end(JSON.stringify({ items, nextCursor: null }));
      return;
    }
    res.writeHead(404);
    res.end(JSON.stringify({ error: { code: 'not_found', message: 'no', details: null } }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, queries };
}

function resource(type: Resource['type'], id: string, intended: string): Resource {
  return {
    type,
    id,
    workflowId: `${type}-${id}`,
    intended,
    ownerId: CLIENT_ID,
    lastStatus: null,
    amountMinor: 0n,
  };
}

function lifecycleWith(resources: Resource[], failure: string | null): Lifecycle {
  return {
    ...freshLifecycle(5, 'settlement_confirmed', CLIENT_ID),
    resources,
    failure,
    failureKind: failure ? 'timed_out' : null,
    endedAt: Date.now(),
  };
}

const ops = { id: 'o', role: 'operations', token: 't', email: 'o@chaos.example', password: 'p' };

describe('the chaos checker and a batch whose script never listed its settlements', () => {
  it('counts each unknown settlement of a run batch in its lifecycle, intended DELIVERED, and what is not listed yet', async () => {
    const { url, queries } = await listingApi();
    const api = new ApiClient(url, new RequestStats(), QUICK_RETRIES, seededRandom(1));
    const stopped = lifecycleWith(
      [resource('settlement_batch', BATCH_ID, 'COMPLETED')],
      `batch ${BATCH_ID}: 0 of 2 settlements listed`,
    );
    // Another lifecycle's script drove one of them (a batch claims every lifecycle's trades).
    const other = lifecycleWith([resource('settlement', KNOWN_ID, 'CONFIRMED')], null);
    const problems: string[] = [];

    const { adopted, unlisted } = await adoptBatchSettlements(api, ops, [stopped, other], problems);

    expect(problems).toEqual([]);
    // The settle is not quiet while the batch counts more than the API lists.
    expect(unlisted).toBe(1);
    expect(queries).toEqual([BATCH_ID]);
    expect(adopted).toHaveLength(1);
    expect(adopted[0]).toContain(UNLISTED_ID);
    expect(adopted[0]).toContain('0 of 2 settlements listed');
    expect(stopped.resources.map((r) => [r.type, r.id, r.intended, r.lastStatus])).toEqual([
      ['settlement_batch', BATCH_ID, 'COMPLETED', null],
      ['settlement', UNLISTED_ID, 'DELIVERED', 'DELIVERED'],
    ]);
    expect(stopped.resources[1]!.workflowId).toBe(`client-settlement-${UNLISTED_ID}`);
    expect(other.resources).toHaveLength(1);

    // Asked again (nothing new), it adopts nothing twice.
    expect(await adoptBatchSettlements(api, ops, [stopped, other], problems)).toEqual({
      adopted: [],
      unlisted: 1,
    });
    expect(stopped.resources).toHaveLength(2);
  });
});
