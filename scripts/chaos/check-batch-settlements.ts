// A batch's settlements its script never listed (scenarios/settlement.ts): a settlement_confirmed
// lifecycle learns its batch's settlements by listing them until the count the start answered is
// there; a script that stopped before (its lifecycle budget ran out on a loaded machine, the batch's
// children not recorded yet) knew none of them, yet the batch started them all, and they move
// balances like any other settlement. Without them the checker saw the workflows as "not started by
// any script", every trade they delivered as still in pending settlement, and their open tasks as
// nobody's. Each one joins its batch's lifecycle in the status the stopped script implies: DELIVERED,
// where a settlement gets by itself (nobody confirms it or retries it when FAILING).
import type { ApiClient, Session } from './client.js';
import type { Lifecycle, Resource } from './scenarios/index.js';

/** The status an unlisted settlement reaches with no person acting on it. */
const UNDRIVEN_SETTLEMENT = 'DELIVERED';

interface ListedSettlement {
  id: string;
  workflowId: string;
  clientId: string;
  status: string;
}

/** Every settlement of `batchId` the API lists, all pages. */
async function listBatch(
  api: ApiClient,
  reader: Session,
  batchId: string,
  problems: string[],
): Promise<ListedSettlement[]> {
  const found: ListedSettlement[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page += 1) {
    const path: string = `/settlements?batchId=${batchId}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const answer = await api.send(reader, { method: 'GET', path });
    if (answer.status !== 200) {
      problems.push(`GET ${path}: ${answer.status} ${answer.code ?? ''}`.trim());
      break;
    }
    found.push(...(answer.body.items as ListedSettlement[]));
    cursor = answer.body.nextCursor;
    if (!cursor) break;
  }
  return found;
}

export interface BatchAdoption {
  /** One line per settlement adopted, naming its lifecycle and why that script stopped. */
  adopted: string[];
  /** Settlements the batches counted that the API does not list yet (children not recorded yet). */
  unlisted: number;
}

/** How many client settlements batch `id` says it has (its start claimed and netted them). */
async function countOf(api: ApiClient, reader: Session, id: string, problems: string[]): Promise<number> {
  const answer = await api.send(reader, { method: 'GET', path: `/ops/settlement-batches/${id}` });
  if (answer.status === 200) return Number(answer.body.settlements ?? 0);
  problems.push(`GET /ops/settlement-batches/${id}: ${answer.status} ${answer.code ?? ''}`.trim());
  return 0;
}

/**
 * Each run batch's settlements no lifecycle knows join the batch's lifecycle (intended DELIVERED).
 * Called on every settle round (check.ts): a batch's children are listed once they recorded their
 * first transition, so the settle is not quiet while a batch counts more than the API lists.
 */
export async function adoptBatchSettlements(
  api: ApiClient,
  reader: Session,
  lifecycles: readonly Lifecycle[],
  problems: string[],
): Promise<BatchAdoption> {
  const known = new Set(lifecycles.flatMap((l) => l.resources.map((r) => r.id)));
  const result: BatchAdoption = { adopted: [], unlisted: 0 };
  for (const lifecycle of lifecycles) {
    const batches = lifecycle.resources.filter((r) => r.type === 'settlement_batch');
    for (const batch of batches) {
      const listed = await listBatch(api, reader, batch.id, problems);
      result.unlisted += Math.max(0, (await countOf(api, reader, batch.id, problems)) - listed.length);
      for (const item of listed) {
        if (known.has(item.id)) continue;
        known.add(item.id);
        const resource: Resource = {
          type: 'settlement',
          id: item.id,
          workflowId: item.workflowId,
          intended: UNDRIVEN_SETTLEMENT,
          ownerId: item.clientId,
          lastStatus: item.status,
          amountMinor: 0n,
          // Its trade ids come with the last read (check.ts readStatus reads each one on its own).
          detail: { tradeIds: [] },
        };
        lifecycle.resources.push(resource);
        result.adopted.push(
          `settlement ${item.id} of batch ${batch.id} in ${item.status} (lifecycle #${lifecycle.index} ${lifecycle.kind}` +
            `${lifecycle.failure ? `, its script stopped at ${lifecycle.failure}` : ''})`,
        );
      }
    }
  }
  return result;
}
