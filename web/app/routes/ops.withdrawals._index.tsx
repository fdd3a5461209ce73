import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { WITHDRAWAL_STATUSES, groupIban } from '../../../domain/withdrawal.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Withdrawals · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const params = new URL(request.url).searchParams;
  const page = await context.services.withdrawals.list(user, {
    status: params.get('status') || undefined,
    clientId: params.get('clientId') || undefined,
    cursor: params.get('cursor') || undefined,
    limit: 50,
  });
  return { page };
}

export default function OpsWithdrawals() {
  const { page } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <>
      <h1>Withdrawals</h1>
      <Form method="get" className="row card">
        <label>
          Status
          <select name="status" defaultValue={params.get('status') ?? ''}>
            <option value="">All</option>
            {WITHDRAWAL_STATUSES.map((s) => (
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
            <th>Requested</th>
            <th>Client</th>
            <th className="num">Amount</th>
            <th>To</th>
            <th>Approvals</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                No withdrawals.
              </td>
            </tr>
          ) : (
            page.items.map((w) => (
              <tr key={w.id} data-withdrawal-id={w.id}>
                <td>
                  <Link to={`/ops/withdrawals/${w.id}`}>{formatTime(w.createdAt)}</Link>
                </td>
                <td>{w.clientId.slice(0, 8)}</td>
                <td className="num">
                  {w.amount} {w.currency}
                </td>
                <td>{w.bankAccount ? groupIban(w.bankAccount.iban) : '—'}</td>
                <td>
                  {w.approvals.length} of {w.approvalsRequired}
                  {w.secondApproverNeeded ? ' · second approver needed' : ''}
                  {w.escalatedAt && w.status === 'PENDING_APPROVAL' ? ' · overdue' : ''}
                </td>
                <td>
                  <StatusBadge status={w.status} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {page.nextCursor ? (
        <p>
          <Link to={`?${new URLSearchParams({ ...Object.fromEntries(params), cursor: page.nextCursor })}`}>
            Next page →
          </Link>
        </p>
      ) : null}
    </>
  );
}
