import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { DEPOSIT_STATUSES } from '../../../domain/deposit.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Deposits · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const params = new URL(request.url).searchParams;
  const page = await context.services.deposits.list(user, {
    status: params.get('status') || undefined,
    clientId: params.get('clientId') || undefined,
    cursor: params.get('cursor') || undefined,
    limit: 50,
  });
  return { page };
}

export default function OpsDeposits() {
  const { page } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <>
      <h1>Deposits</h1>
      <Form method="get" className="row card">
        <label>
          Status
          <select name="status" defaultValue={params.get('status') ?? ''}>
            <option value="">All</option>
            {DEPOSIT_STATUSES.map((s) => (
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
            <th>Announced</th>
            <th>Client</th>
            <th className="num">Announced amount</th>
            <th className="num">Received</th>
            <th>Reference</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((d) => (
            <tr key={d.id}>
              <td>
                <Link to={`/ops/deposits/${d.id}`}>{formatTime(d.createdAt)}</Link>
              </td>
              <td>{d.clientId.slice(0, 8)}</td>
              <td className="num">
                {d.amount} {d.currency}
              </td>
              <td className="num">{d.receivedAmount ? `${d.receivedAmount} ${d.currency}` : '—'}</td>
              <td>{d.instructions.reference}</td>
              <td>
                <StatusBadge status={d.status} />
              </td>
            </tr>
          ))}
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
