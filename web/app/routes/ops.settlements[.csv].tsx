// /ops/settlements.csv: the settlement exceptions (FAILING unless the URL names another status) with
// the search and sort in effect, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { peopleOfRows } from '../people.server.js';
import { requireUser } from '../session.server.js';
import { staffListRows } from '../staff-list.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const items = await staffListRows(request, user, context.services.settlements, {
    defaultStatus: 'FAILING',
  });
  const people = await peopleOfRows(
    context.services.people,
    items.map((s) => s.clientId),
  );
  return csvResponse(
    'settlements.csv',
    ['id', 'client_email', 'client_id', 'batch_id', 'cutoff', 'trades', 'legs', 'failure', 'status'],
    items.map((s) => [
      s.id,
      people[s.clientId]?.email ?? '',
      s.clientId,
      s.batchId,
      s.cutoff,
      s.tradeCount,
      s.legs.map((leg) => `${leg.direction} ${leg.amount} ${leg.asset}`).join('; '),
      s.failure ?? '',
      s.status,
    ]),
  );
}
