import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { BANK_ACCOUNT_STATUSES } from '../../../domain/bank-account.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Bank accounts · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const params = new URL(request.url).searchParams;
  // Default: what is waiting for verification. `?status=` (empty) shows every status.
  const status = params.has('status') ? params.get('status') || undefined : 'PENDING_VERIFICATION';
  const page = await context.services.bankAccounts.list(user, {
    status,
    clientId: params.get('clientId') || undefined,
    cursor: params.get('cursor') || undefined,
    limit: 50,
  });
  return { page, status: status ?? '' };
}

export default function OpsBankAccounts() {
  const { page, status } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <>
      <h1>Bank accounts</h1>
      <Form method="get" className="row card">
        <label>
          Status
          <select name="status" defaultValue={status}>
            <option value="">All</option>
            {BANK_ACCOUNT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Client id
          <input name="clientId" defaultValue={params.get('clientId') ?? ''} />
        </label>
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <table className="grid">
        <thead>
          <tr>
            <th>Added</th>
            <th>Client</th>
            <th>IBAN</th>
            <th>BIC</th>
            <th>Holder</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                Nothing here.
              </td>
            </tr>
          ) : (
            page.items.map((account) => (
              <tr key={account.id} data-bank-account-id={account.id}>
                <td>
                  <Link to={`/ops/bank-accounts/${account.id}`}>{formatTime(account.createdAt)}</Link>
                </td>
                <td>{account.clientEmail ?? account.clientId}</td>
                <td>{account.ibanDisplay}</td>
                <td>{account.bic}</td>
                <td>{account.accountName}</td>
                <td>
                  <StatusBadge status={account.status} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {page.nextCursor ? (
        <p>
          <Link to={`?status=${encodeURIComponent(status)}&cursor=${encodeURIComponent(page.nextCursor)}`}>
            Older →
          </Link>
        </p>
      ) : null}
    </>
  );
}
