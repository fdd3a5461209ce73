// Creates whose answer the client never got (scenarios/model.ts LostCreate): the platform may have
// made the resource all the same, and then it moves balances and holds a workflow like any other.
// The checker finds what the server did with the request, read-only, and adds what it finds to its
// lifecycle's resources in the status the stopped script implies, so the settle waits for it, the
// balance model counts it and "one workflow per business key" knows it:
// - an order by the reference the client put in its body, as a client that lost the answer would
//   (GET /orders?search=<clientOrderId>);
// - every other create by the id its POST derives from the sender and the Idempotency-Key
//   (api/idempotency.ts idempotentUuid, with the resource type's RESOURCE_TYPES keyScope), read as
//   the auditor reads any resource (404: the platform has none);
// - a KYC document by that id among its client's documents: found, it is named, not counted (no
//   review starts before the submit, so nothing moves).
// One not found never reached the platform, or its workflow refused it: the orphan check (check.ts)
// and the invariants would show it if it came to exist later.
import { idempotentUuid } from '../../api/idempotency.js';
import type { ApiClient, Session } from './client.js';
import {
  pathOf,
  RESOURCE_TYPES,
  type Lifecycle,
  type LostCreate,
  type LostKeyedCreate,
  type LostOrder,
  type Resource,
} from './scenarios/index.js';

export interface LostCreates {
  /** Found and counted: `<type> <id> (<step>, lifecycle #n)`. */
  found: string[];
  /** Not made by the platform (the request never got through, or was refused). */
  notFound: string[];
}

/** What one look-up found: a resource to count, a stored document to name, or nothing. */
type Finding = { resource: Resource } | { stored: string } | null;

const problemOf = (path: string, answer: { status: number; code: string | null }) =>
  `GET ${path}: ${answer.status} ${answer.code ?? ''}`.trim();

async function findOrder(
  api: ApiClient,
  reader: Session,
  lost: LostOrder,
  problems: string[],
): Promise<Finding> {
  const path = `/orders?clientId=${lost.ownerId}&search=${encodeURIComponent(lost.clientReference)}`;
  const answer = await api.send(reader, { method: 'GET', path });
  if (answer.status !== 200) {
    problems.push(problemOf(path, answer));
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
    resource: {
      type: lost.type,
      id: order.id,
      workflowId: order.workflowId,
      intended: lost.intended,
      ownerId: lost.ownerId,
      lastStatus: null,
      amountMinor: 0n,
      detail: order,
    },
  };
}

/** The id the server made for `lost`: idempotentUuid(sender, key, scope). */
export function idOfLostCreate(lost: LostKeyedCreate): string {
  const scope = lost.type === 'kyc_document' ? 'kyc_document' : RESOURCE_TYPES[lost.type].keyScope;
  return idempotentUuid(lost.senderId, lost.idempotencyKey, scope);
}

async function findKeyed(
  api: ApiClient,
  reader: Session,
  lost: LostKeyedCreate,
  problems: string[],
): Promise<Finding> {
  const id = idOfLostCreate(lost);
  if (lost.type === 'kyc_document') {
    const path = pathOf({ type: 'kyc', id: lost.ownerId }, true);
    const answer = await api.send(reader, { method: 'GET', path });
    if (answer.status !== 200) {
      problems.push(problemOf(path, answer));
      return null;
    }
    const documents = (answer.body.documents ?? []) as { id: string }[];
    return documents.some((d) => d.id === id) ? { stored: `kyc_document ${id}` } : null;
  }
  const path = pathOf({ type: lost.type, id }, true);
  const answer = await api.send(reader, { method: 'GET', path });
  if (answer.status === 404) return null;
  if (answer.status !== 200 || typeof answer.body?.workflowId !== 'string') {
    problems.push(problemOf(path, answer));
    return null;
  }
  return {
    resource: {
      type: lost.type,
      id,
      workflowId: answer.body.workflowId,
      intended: lost.intended,
      ownerId: lost.ownerId,
      lastStatus: typeof answer.body.status === 'string' ? answer.body.status : null,
      amountMinor: lost.amountMinor,
      ...(lost.asset ? { asset: lost.asset } : {}),
      detail: { ...lost.detail, ...answer.body },
    },
  };
}

/**
 * Every lifecycle's lost creates looked up; each one found joins its lifecycle's resources. Called
 * again (check.ts: before and after the settle, for a workflow that recorded itself late), what it
 * counted already is not asked again nor counted twice.
 */
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
      const known = lost.type !== 'order' && lost.type !== 'kyc_document' ? idOfLostCreate(lost) : null;
      if (known !== null && lifecycle.resources.some((r) => r.id === known)) continue;
      const finding: Finding =
        lost.type === 'order'
          ? await findOrder(api, reader, lost, problems)
          : await findKeyed(api, reader, lost, problems);
      if (!finding) {
        const reference = lost.type === 'order' ? lost.clientReference : `key ${lost.idempotencyKey}`;
        report.notFound.push(`${lost.type} ${reference} (${where})`);
        continue;
      }
      if ('stored' in finding) {
        report.found.push(`${finding.stored} (${where}), stored: no workflow until a submit`);
        continue;
      }
      const { resource } = finding;
      if (lifecycle.resources.some((r) => r.id === resource.id)) continue;
      lifecycle.resources.push(resource);
      report.found.push(`${resource.type} ${resource.id} (${where}), intended ${resource.intended}`);
    }
  }
  return report;
}
