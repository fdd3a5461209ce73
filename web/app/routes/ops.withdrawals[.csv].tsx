// /ops/withdrawals.csv: the withdrawal list with the filters in effect, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { allPages, csvResponse } from '../csv.server.js';
import { listQuery, searchText } from '../list-query.server.js';
import { requireUser } from '../session.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const query = { ...listQuery(request), limit: 200 };
  const q = searchText(request);
  const withdrawals = context.services.withdrawals;
  const { items } = q
    ? { items: await withdrawals.lists.search(user, q, query.status) }
    : await allPages((cursor) => withdrawals.list(user, { ...query, cursor }));
  const people = await context.services.people(items.map((w) => w.clientId));
  return csvResponse(
    'withdrawals.csv',
    ['id', 'created_at', 'client_email', 'client_id', 'currency', 'amount', 'iban', 'approvals', 'status'],
    items.map((w) => [
      w.id,
      w.createdAt,
      people[w.clientId]?.email ?? '',
      w.clientId,
      w.currency,
      w.amount,
      w.bankAccount?.iban ?? '',
      `${w.approvals.length}/${w.approvalsRequired}`,
      w.status,
    ]),
  );
}
