// /ops/registry-accounts.csv: the registry-account list with the filters and the sort in effect.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { peopleOfRows } from '../people.server.js';
import { requireUser } from '../session.server.js';
import { staffListRows } from '../staff-list.server.js';
import { REGISTRY_ACCOUNT_LIST, REGISTRY_ACCOUNT_LIST_READERS } from './ops.registry-accounts._index.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, REGISTRY_ACCOUNT_LIST_READERS);
  const items = await staffListRows(request, user, context.services.registryAccounts, REGISTRY_ACCOUNT_LIST);
  const people = await peopleOfRows(
    context.services.people,
    items.map((a) => a.clientId),
  );
  return csvResponse(
    'registry-accounts.csv',
    ['id', 'created_at', 'client_email', 'client_id', 'registry', 'account_id', 'holder', 'status'],
    items.map((a) => [
      a.id,
      a.createdAt,
      people[a.clientId]?.email ?? '',
      a.clientId,
      a.registry,
      a.accountId,
      a.holderName,
      a.status,
    ]),
  );
}
