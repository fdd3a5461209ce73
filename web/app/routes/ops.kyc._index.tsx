import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { KYC_STATUSES } from '../../../domain/kyc.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'KYC reviews · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const params = new URL(request.url).searchParams;
  // Default: what is waiting for a reviewer. `?status=` (empty) shows every status.
  const status = params.has('status') ? params.get('status') || undefined : 'PENDING_REVIEW';
  const page = await context.services.kyc.reviews(user, {
    status,
    cursor: params.get('cursor') || undefined,
    limit: 50,
  });
  return { page, status: status ?? '' };
}

export default function OpsKycReviews() {
  const { page, status } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <>
      <h1>KYC reviews</h1>
      <Form method="get" className="row card">
        <label>
          Status
          <select name="status" defaultValue={status}>
            <option value="">All</option>
            {KYC_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <table className="grid">
        <thead>
          <tr>
            <th>Client</th>
            <th>Status</th>
            <th className="num">Submission</th>
            <th>Submitted</th>
            <th>Approval expires</th>
            <th>Last change</th>
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
            page.items.map((review) => (
              <tr key={review.clientId} data-client-id={review.clientId}>
                <td>
                  <Link to={`/ops/kyc/${review.clientId}`}>{review.clientEmail ?? review.clientId}</Link>
                </td>
                <td>
                  <StatusBadge status={review.status} />
                </td>
                <td className="num">{review.cycle ?? '—'}</td>
                <td>{formatTime(review.submittedAt)}</td>
                <td>{formatTime(review.expiresAt)}</td>
                <td>{formatTime(review.updatedAt)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {page.nextCursor ? (
        <p>
          <Link
            to={`?status=${encodeURIComponent(params.get('status') ?? status)}&cursor=${encodeURIComponent(page.nextCursor)}`}
          >
            Older →
          </Link>
        </p>
      ) : null}
    </>
  );
}
