// /ops/certificate-transfers.csv: the transfer list with the filters and the sort in effect.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { peopleOfRows } from '../people.server.js';
import { requireUser } from '../session.server.js';
import { staffListRows } from '../staff-list.server.js';
import { CERTIFICATE_TRANSFER_LIST_READERS } from './ops.certificate-transfers._index.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, CERTIFICATE_TRANSFER_LIST_READERS);
  const items = await staffListRows(request, user, context.services.certificateTransfers);
  const people = await peopleOfRows(
    context.services.people,
    items.map((t) => t.clientId),
  );
  return csvResponse(
    'certificate-transfers.csv',
    [
      'id',
      'created_at',
      'client_email',
      'client_id',
      'direction',
      'asset',
      'quantity',
      'received_quantity',
      'registry_account_id',
      'reference',
      'approvals',
      'status',
    ],
    items.map((t) => [
      t.id,
      t.createdAt,
      people[t.clientId]?.email ?? '',
      t.clientId,
      t.direction,
      t.asset,
      t.quantity,
      t.receivedQuantity ?? '',
      t.registryAccount?.accountId ?? '',
      t.reference,
      `${t.approvals.length}/${t.approvalsRequired}`,
      t.status,
    ]),
  );
}
