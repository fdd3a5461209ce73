import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { KYC_STATUSES } from '../../../domain/kyc.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { ListFilters, NextPageLink } from '../components/ListControls.js';
import { listQuery } from '../list-query.server.js';

export const meta: MetaFunction = () => [{ title: 'KYC reviews · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  // Reviews are one per client: no client filter.
  const { status, cursor, limit } = listQuery(request, 'PENDING_REVIEW');
  const page = await context.services.kyc.reviews(user, { status, cursor, limit });
  return { page, status: status ?? '' };
}

export default function OpsKycReviews() {
  const { page, status } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>KYC reviews</h1>
      <ListFilters statuses={KYC_STATUSES} status={status} clientFilter={false} />
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
      <NextPageLink cursor={page.nextCursor} status={status} />
    </>
  );
}
