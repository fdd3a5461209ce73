import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { CERTIFICATE_TRANSFER_STATUSES } from '../../../domain/certificate-transfer.js';
import { CopyValue } from '../components/CopyButton.js';
import { ListHeader, NextPageLink, SortHeader } from '../components/ListControls.js';
import { Money } from '../components/Money.js';
import { Person } from '../components/Person.js';
import { StatementLink } from '../components/StatementLink.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { staffListPage } from '../staff-list.server.js';

export const meta: MetaFunction = () => [{ title: 'Certificate transfers · backoffice · clearhouse' }];

export const CERTIFICATE_TRANSFER_LIST_READERS = ['operations', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, CERTIFICATE_TRANSFER_LIST_READERS);
  const transfers = context.services.certificateTransfers;
  const [list, counts] = await Promise.all([
    staffListPage(request, user, transfers),
    transfers.lists.counts(),
  ]);
  const people = await context.services.people(list.page.items.map((t) => t.clientId));
  return { ...list, counts, people };
}

export default function OpsCertificateTransfers() {
  const { page, counts, people, status, sort } = useLoaderData<typeof loader>();
  return (
    <>
      <ListHeader
        title="Certificate transfers"
        csvPath="/ops/certificate-transfers.csv"
        statuses={CERTIFICATE_TRANSFER_STATUSES}
        counts={counts}
        status={status}
        searchLabel="Search (reference, registry account, email or id)"
      />
      <table className="grid">
        <thead>
          <tr>
            <SortHeader column="created" label="Requested" sort={sort} firstDir="desc" />
            <SortHeader column="client" label="Client" sort={sort} />
            <SortHeader column="direction" label="Direction" sort={sort} />
            <SortHeader column="quantity" label="Quantity" sort={sort} numeric firstDir="desc" />
            <th scope="col">Registry account</th>
            <SortHeader column="reference" label="Reference" sort={sort} />
            <th scope="col">Approvals</th>
            <SortHeader column="status" label="Status" sort={sort} />
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={8} className="muted">
                Nothing here.
              </td>
            </tr>
          ) : (
            page.items.map((t) => (
              <tr key={t.id} data-certificate-transfer-id={t.id}>
                <td>
                  <Link to={`/ops/certificate-transfers/${t.id}`}>
                    <Time at={t.createdAt} />
                  </Link>
                </td>
                <td>
                  <Person people={people} id={t.clientId} />
                  <StatementLink clientId={t.clientId} people={people} />
                </td>
                <td>{t.direction}</td>
                <td className="num">
                  <Money amount={t.quantity} asset={t.asset} />
                </td>
                <td>{t.registryAccount?.accountId ?? '—'}</td>
                <td>
                  <CopyValue value={t.reference} label="reference" />
                </td>
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
