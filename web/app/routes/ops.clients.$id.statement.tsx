// A client's statement for operations, administrators and auditors (GET /ops/clients/:id/statement
// as a page): the period, asset and accounts in a GET form kept in the URL; without an asset, one
// statement per asset, each with its own running balance; CSV and PDF of each from the API.
import type { LoaderFunctionArgs, MetaFunction, SerializeFrom } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { canReadClientStatements } from '../../../domain/client-statement.js';
import { ROLES } from '../../../domain/roles.js';
import { NextPageLink } from '../components/ListControls.js';
import { StatementFilters } from '../components/StatementFilters.js';
import { StatementSummary, StatementTable } from '../components/StatementTable.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { taskSubjectPath } from '../task-links.js';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Statement of ${data ? holderName(data.holder) : 'a client'} · backoffice · clearhouse` },
];

const READERS = ROLES.filter(canReadClientStatements);

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, READERS);
  const search = new URL(request.url).searchParams;
  const given = (name: string) => search.get(name) || undefined;
  const query = {
    asset: given('asset'),
    from: given('from'),
    to: given('to'),
    account: given('account'),
    cursor: given('cursor'),
  };
  const page = await loadOr404(() =>
    context.services.clientStatements.statements(user, String(params.id ?? ''), query),
  );
  return { ...page, query };
}

type PageData = SerializeFrom<typeof loader>;
type Statement = PageData['statements'][number];

function holderName(holder: { displayName: string; email: string }): string {
  return holder.displayName.trim() || holder.email;
}

/** A balance of nothing ("0.00", "0"): an asset the client never held shows as one line, not a table. */
function isZero(amount: string): boolean {
  return /^-?0(\.0+)?$/.test(amount);
}

/** Where staff read a line's lifecycle; null for a type without a staff page. */
function staffPathOf(subject: { type: string; id: string } | null): string | null {
  if (!subject) return null;
  if (subject.type === 'order') return `/ops/orders/${encodeURIComponent(subject.id)}`;
  const path = taskSubjectPath(subject.type, subject.id);
  return path === '/ops/tasks' ? null : path;
}

export default function ClientStatement() {
  const { holder, statements, problems, query } = useLoaderData<typeof loader>();
  const oneAsset = query.asset !== undefined;
  const shown = oneAsset ? statements : statements.filter((s) => !isEmpty(s));
  const empty = oneAsset ? [] : statements.filter(isEmpty);
  const first = statements[0];
  return (
    <>
      <p>
        <Link to={`/ops/kyc/${holder.id}`}>KYC of {holderName(holder)}</Link>
      </p>
      <h1>Statement of {holderName(holder)}</h1>
      <p className="muted">
        {holder.email} · Every posted movement of the client’s balance, oldest first, with the balance after
        each, per asset. With all accounts the balance is available, on AML hold and pending settlement
        together; reservations for open withdrawals and orders show once paid out or traded. Days are UTC
        days.
      </p>
      <StatementFilters allAssets query={query} from={first?.from ?? query.from} to={first?.to ?? query.to} />
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
      {shown.map((statement) => (
        <AssetStatement
          key={statement.asset}
          clientId={holder.id}
          statement={statement}
          oneAsset={oneAsset}
          onLaterPage={query.cursor !== undefined}
        />
      ))}
      {empty.length > 0 ? (
        <p className="muted" data-testid="empty-assets">
          No movements and no balance in this period: {empty.map((s) => s.asset).join(', ')}.
        </p>
      ) : null}
    </>
  );
}

function isEmpty(statement: Statement): boolean {
  return statement.lineCount === 0 && isZero(statement.openingBalance) && isZero(statement.closingBalance);
}

/** The statement's own query: its asset, period and accounts (what a download or "all lines" shows). */
function statementQuery(statement: Statement): URLSearchParams {
  const { asset, from, to, account } = statement;
  return new URLSearchParams({ asset, from, to, account });
}

/**
 * One asset's statement. On a page of every asset it shows its first lines and links to the asset
 * alone for the rest; alone, it pages.
 */
function AssetStatement({
  clientId,
  statement,
  oneAsset,
  onLaterPage,
}: {
  clientId: string;
  statement: Statement;
  oneAsset: boolean;
  onLaterPage: boolean;
}) {
  const base = `/api/v1/ops/clients/${encodeURIComponent(clientId)}/statement`;
  return (
    <div data-testid={`statement-${statement.asset}`} style={{ marginBottom: '1.5rem' }}>
      <StatementSummary
        statement={statement}
        downloadHref={(extension) => `${base}.${extension}?${statementQuery(statement)}`}
        headingId={`summary-${statement.asset}`}
      />
      <StatementTable statement={statement} onLaterPage={oneAsset && onLaterPage} linkOf={staffPathOf} />
      {oneAsset ? (
        <NextPageLink cursor={statement.nextCursor} />
      ) : statement.nextCursor !== null ? (
        <p>
          <Link to={`?${statementQuery(statement)}`}>
            All {statement.lineCount.toLocaleString('en')} movements of {statement.asset} →
          </Link>
        </p>
      ) : null}
    </div>
  );
}
