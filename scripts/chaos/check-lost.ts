// Creates whose answer the client never got (scenarios/model.ts LostCreate): the platform may have
// made the resource all the same, and then it moves balances and holds a workflow like any other.
// The checker looks each one up by the reference the client put in its body, as a client that lost
// the answer would (GET /orders?search=<clientOrderId>), and adds what it finds to its lifecycle's
// resources in the status the stopped script implies, so the settle waits for it, the balance model
// counts it and "one workflow per business key" knows it. One not found never reached the platform:
// the orphan check (check.ts) would show it if it came to exist later.
import type { ApiClient, Session } from './client.js';
import type { Lifecycle, LostCreate, Resource } from './scenarios/index.js';

export interface LostCreates {
  /** Found and counted: `<type> <id> (<step>, lifecycle #n)`. */
  found: string[];
  /** Not made by the platform (the request never got through). */
  notFound: string[];
}

/** The resource `lost` became, or null when the platform has none with its reference. */
async function lookUp(
  api: ApiClient,
  reader: Session,
  lost: LostCreate,
  problems: string[],
): Promise<Resource | null> {
  const path = `/orders?clientId=${lost.ownerId}&search=${encodeURIComponent(lost.clientReference)}`;
  const answer = await api.send(reader, { method: 'GET', path });
  if (answer.status !== 200) {
    problems.push(`GET ${path}: ${answer.status} ${answer.code ?? ''}`.trim());
    return null;
  }
  const items = answer.body.items as { id: string; workflowId: string; clientOrderId: string | null }[];
  const matching = items.filter((item) => item.clientOrderId === lost.clientReference);
  if (matching.length > 1) {
    // The same clientOrderId is the same order (api/services/orders.ts): two would be a defect.
    problems.push(`${matching.length} orders of client ${lost.ownerId} carry ${lost.clientReference}`);
  }
  const order = matching[0];
  if (!order) return null;
  return {
    type: lost.type,
    id: order.id,
    workflowId: order.workflowId,
    intended: lost.intended,
    ownerId: lost.ownerId,
    lastStatus: null,
    amountMinor: 0n,
    detail: order,
  };
}

/** Every lifecycle's lost creates looked up once; each one found joins its lifecycle's resources. */
export async function adoptLostCreates(
  api: ApiClient,
  reader: Session,
  lifecycles: readonly Lifecycle[],
  problems: string[],
): Promise<LostCreates> {
  const report: LostCreates = { found: [], notFound: [] };
  for (const lifecycle of lifecycles) {
    for (const lost of lifecycle.lostCreates) {
      const where = `${lost.step}, lifecycle #${lifecycle.index} ${lifecycle.kind}`;
      const resource = await lookUp(api, reader, lost, problems);
      if (!resource) {
        report.notFound.push(`${lost.type} ${lost.clientReference} (${where})`);
        continue;
      }
      if (lifecycle.resources.some((r) => r.id === resource.id)) continue;
      lifecycle.resources.push(resource);
      report.found.push(`${resource.type} ${resource.id} (${where}), intended ${resource.intended}`);
    }
  }
  return report;
}
