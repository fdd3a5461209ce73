import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import type { KycView } from '../../../api/kyc-view.js';
import type { WebServices, WebUser } from '../../../api/pages/load-context.js';
import { KYC_STATUSES } from '../../../domain/kyc.js';
import { ListHeader, NextPageLink, SortHeader } from '../components/ListControls.js';
import { Person } from '../components/Person.js';
import { StatementLink } from '../components/StatementLink.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { staffListPage } from '../staff-list.server.js';

export const meta: MetaFunction = () => [{ title: 'KYC reviews · backoffice · clearhouse' }];

export const KYC_LIST_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;
/** Reviews are one per client (no client filter); the list opens on what waits for a review. */
export const KYC_LIST = { defaultStatus: 'PENDING_REVIEW', clientFilter: false };

export interface KycRow {
  clientId: string;
  status: string;
  cycle: number | null;
  submittedAt: string | null;
  expiresAt: string | null;
  updatedAt: string | null;
}

/** A review as a row: the API's review summary (newest first) or a KYC read for a sorted page. */
function rowOfView(kyc: KycView): KycRow {
  return {
    clientId: kyc.clientId,
    status: kyc.status,
    cycle: kyc.submission?.cycle ?? null,
    submittedAt: kyc.submission?.submittedAt ?? null,
    expiresAt: kyc.expiresAt,
    updatedAt: kyc.timeline.at(-1)?.at ?? null,
  };
}

/** The review list's readers, both answering rows of one shape. */
export function kycListReaders(kyc: WebServices['kyc']) {
  return {
    list: async (user: WebUser, query: { status?: string; cursor?: string; limit?: number }) => {
      const page = await kyc.reviews(user, {
        status: query.status,
        cursor: query.cursor,
        limit: query.limit,
      });
      return { items: page.items.map((review): KycRow => ({ ...review })), nextCursor: page.nextCursor };
    },
    lists: {
      sortOf: kyc.lists.sortOf,
      page: async (user: WebUser, query: Parameters<WebServices['kyc']['lists']['page']>[1]) => {
        const page = await kyc.lists.page(user, query);
        return { items: page.items.map(rowOfView), nextCursor: page.nextCursor };
      },
    },
  };
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, KYC_LIST_READERS);
  const kyc = context.services.kyc;
  const [list, counts] = await Promise.all([
    staffListPage(request, user, kycListReaders(kyc), KYC_LIST),
    kyc.lists.counts(),
  ]);
  const people = await context.services.people(list.page.items.map((r) => r.clientId));
  return { ...list, counts, people };
}

export default function OpsKycReviews() {
  const { page, counts, people, status, sort } = useLoaderData<typeof loader>();
  return (
    <>
      <ListHeader
        title="KYC reviews"
        csvPath="/ops/kyc.csv"
        statuses={KYC_STATUSES}
        counts={counts}
        status={status}
        clientFilter={false}
        searchLabel="Search (client email, name or id)"
      />
      <table className="grid">
        <thead>
          <tr>
            <SortHeader column="client" label="Client" sort={sort} />
            <SortHeader column="status" label="Status" sort={sort} />
            <SortHeader column="cycle" label="Submission" sort={sort} numeric firstDir="desc" />
            <SortHeader column="submitted" label="Submitted" sort={sort} firstDir="desc" />
            <SortHeader column="expires" label="Approval expires" sort={sort} />
            <SortHeader column="updated" label="Last change" sort={sort} firstDir="desc" />
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
                  <Link to={`/ops/kyc/${review.clientId}`}>
                    <Person people={people} id={review.clientId} />
                  </Link>
                  <StatementLink clientId={review.clientId} people={people} />
                </td>
                <td>
                  <StatusBadge status={review.status} />
                </td>
                <td className="num">{review.cycle ?? '—'}</td>
                <td>
                  <Time at={review.submittedAt} />
                </td>
                <td>
                  <Time at={review.expiresAt} />
                </td>
                <td>
                  <Time at={review.updatedAt} />
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
