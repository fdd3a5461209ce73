import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { CERTIFICATE_TRANSFER_STATUSES } from '../../../domain/certificate-transfer.js';
import { ListFilters, NextPageLink } from '../components/ListControls.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { listQuery } from '../list-query.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Certificate transfers · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'admin', 'auditor']);
  const query = listQuery(request);
  const page = await context.services.certificateTransfers.list(user, query);
  return { page, status: query.status ?? '' };
}

export default function OpsCertificateTransfers() {
  const { page, status } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Certificate transfers</h1>
      <ListFilters statuses={CERTIFICATE_TRANSFER_STATUSES} status={status} />
      <table className="grid">
        <thead>
          <tr>
            <th>Requested</th>
            <th>Client</th>
            <th>Direction</th>
            <th>Quantity</th>
            <th>Registry account</th>
            <th>Approvals</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={7} className="muted">
                Nothing here.
              </td>
            </tr>
          ) : (
            page.items.map((t) => (
              <tr key={t.id} data-certificate-transfer-id={t.id}>
                <td>
                  <Link to={`/ops/certificate-transfers/${t.id}`}>{formatTime(t.createdAt)}</Link>
                </td>
                <td>{t.clientId}</td>
                <td>{t.direction}</td>
                <td>
                  {t.quantity} {t.asset}
                </td>
                <td>{t.registryAccount?.accountId ?? ''}</td>
                <td>{t.direction === 'OUT' ? `${t.approvals.length} of ${t.approvalsRequired}` : '—'}</td>
                <td>
                  <StatusBadge status={t.status} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} status={status} />
    </>
  );
}
