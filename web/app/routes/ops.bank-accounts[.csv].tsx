// /ops/bank-accounts.csv: the bank-account list with the filters and the sort in effect, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { peopleOfRows } from '../people.server.js';
import { requireUser } from '../session.server.js';
import { staffListRows } from '../staff-list.server.js';
import { BANK_ACCOUNT_LIST, BANK_ACCOUNT_LIST_READERS } from './ops.bank-accounts._index.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, BANK_ACCOUNT_LIST_READERS);
  const items = await staffListRows(request, user, context.services.bankAccounts, BANK_ACCOUNT_LIST);
  const people = await peopleOfRows(
    context.services.people,
    items.map((a) => a.clientId),
  );
  return csvResponse(
    'bank-accounts.csv',
    ['id', 'created_at', 'client_email', 'client_id', 'iban', 'bic', 'holder', 'bank', 'country', 'status'],
    items.map((a) => [
      a.id,
      a.createdAt,
      people[a.clientId]?.email ?? '',
      a.clientId,
      a.iban,
      a.bic,
      a.accountName,
      a.bankName,
      a.country,
      a.status,
    ]),
  );
}
