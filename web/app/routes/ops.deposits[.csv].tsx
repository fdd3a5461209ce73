// /ops/deposits.csv: the deposit list with the filters and the sort in effect, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { peopleOfRows } from '../people.server.js';
import { requireUser } from '../session.server.js';
import { staffListRows } from '../staff-list.server.js';
import { DEPOSIT_LIST_READERS } from './ops.deposits._index.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, DEPOSIT_LIST_READERS);
  const items = await staffListRows(request, user, context.services.deposits);
  const people = await peopleOfRows(
    context.services.people,
    items.map((d) => d.clientId),
  );
  return csvResponse(
    'deposits.csv',
    [
      'id',
      'created_at',
      'client_email',
      'client_id',
      'currency',
      'amount',
      'received_amount',
      'reference',
      'status',
    ],
    items.map((d) => [
      d.id,
      d.createdAt,
      people[d.clientId]?.email ?? '',
      d.clientId,
      d.currency,
      d.amount,
      d.receivedAmount ?? '',
      d.instructions.reference,
      d.status,
    ]),
  );
}
