// /ops/kyc.csv: the KYC review list with the filters and the sort in effect, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { peopleOfRows } from '../people.server.js';
import { requireUser } from '../session.server.js';
import { staffListRows } from '../staff-list.server.js';
import { KYC_LIST, KYC_LIST_READERS, kycListReaders } from './ops.kyc._index.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, KYC_LIST_READERS);
  const items = await staffListRows(request, user, kycListReaders(context.services.kyc), KYC_LIST);
  const people = await peopleOfRows(
    context.services.people,
    items.map((r) => r.clientId),
  );
  return csvResponse(
    'kyc-reviews.csv',
    [
      'client_id',
      'client_email',
      'client_name',
      'status',
      'cycle',
      'submitted_at',
      'expires_at',
      'updated_at',
    ],
    items.map((r) => [
      r.clientId,
      people[r.clientId]?.email ?? '',
      people[r.clientId]?.displayName ?? '',
      r.status,
      r.cycle ?? '',
      r.submittedAt ?? '',
      r.expiresAt ?? '',
      r.updatedAt ?? '',
    ]),
  );
}
