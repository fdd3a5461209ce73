import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import type { StatementAccount } from '../../../domain/client-statement.js';
import { clientPathOf } from '../client-links.js';
import { NextPageLink } from '../components/ListControls.js';
import { StatementFilters } from '../components/StatementFilters.js';
import { StatementSummary, StatementTable } from '../components/StatementTable.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Statement · clearhouse' }];

const PAGE_SIZE = '50';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const params = new URL(request.url).searchParams;
  const balances = await context.services.balances(user);
  const given = (name: string) => params.get(name) || undefined;
  // Without a choice, the first asset the client holds (EUR for a new client).
  const query = {
    asset: given('asset') ?? balances[0]?.asset ?? 'EUR',
    from: given('from'),
    to: given('to'),
    account: given('account'),
    cursor: given('cursor'),
    limit: PAGE_SIZE,
  };
  const { statement, problems } = await context.services.clientHome.statement(user, query);
  return { statement, problems, query, onLaterPage: query.cursor !== undefined };
}

function downloadHref(
  extension: 'csv' | 'pdf',
  s: { asset: string; from: string; to: string; account: StatementAccount },
) {
  const query = new URLSearchParams({ asset: s.asset, from: s.from, to: s.to, account: s.account });
  return `/api/v1/statement.${extension}?${query}`;
}

export default function Statement() {
  const { statement, problems, query, onLaterPage } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Statement</h1>
      <p className="muted">
        Every movement of your balance in one asset, oldest first, with the balance after each. With all
        accounts the balance is everything we hold for you in that asset: available, on AML hold and pending
        settlement together. Money reserved for an open withdrawal or order has not moved yet: it shows as
        reserved on Balances, and here once it is paid out or traded. Days are UTC days.
      </p>
      <StatementFilters query={query} from={statement?.from ?? query.from} to={statement?.to ?? query.to} />
      {problems.length > 0 ? (
        <div className="error" role="alert" data-testid="statement-problems">
          <p>This statement cannot be shown:</p>
          <ul>
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {statement ? <StatementSection statement={statement} onLaterPage={onLaterPage} /> : null}
    </>
  );
}

type StatementData = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['statement']>;

function StatementSection({ statement, onLaterPage }: { statement: StatementData; onLaterPage: boolean }) {
  return (
    <>
      <StatementSummary
        statement={statement}
        downloadHref={(extension) => downloadHref(extension, statement)}
        headingId="summary-title"
      />
      <StatementTable statement={statement} onLaterPage={onLaterPage} linkOf={clientPathOf} />
      <NextPageLink cursor={statement.nextCursor} />
    </>
  );
}
