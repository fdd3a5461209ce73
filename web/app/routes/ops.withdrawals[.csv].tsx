// /ops/withdrawals.csv: the withdrawal list with the filters and the sort in effect, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { peopleOfRows } from '../people.server.js';
import { requireUser } from '../session.server.js';
import { staffListRows } from '../staff-list.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const items = await staffListRows(request, user, context.services.withdrawals);
  const people = await peopleOfRows(
    context.services.people,
    items.map((w) => w.clientId),
  );
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
