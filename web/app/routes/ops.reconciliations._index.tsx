// /ops/reconciliations: upload a statement, the reconciliations with their matched share and open
// breaks (counts per status, search, sort and filters in the URL, as every staff list), open breaks
// by age, and the daily matched/unmatched history (server-rendered SVG).
import { randomUUID } from 'node:crypto';
import {
  MaxPartSizeExceededError,
  redirect,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { RECONCILIATION_STATUSES } from '../../../domain/reconciliation/lifecycle.js';
import { STATEMENT_MAX_BYTES } from '../../../api/services/reconciliations.js';
import { attempt } from '../action-result.server.js';
import { formatMoney, shortAge } from '../amounts.js';
import { ActionMessage } from '../components/ActionMessage.js';
import {
  CsvExportLink,
  ListFilters,
  NextPageLink,
  SortHeader,
  StatusCounts,
} from '../components/ListControls.js';
import { ReconciliationChart } from '../components/ReconciliationChart.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { staffListPage } from '../staff-list.server.js';

export const meta: MetaFunction = () => [{ title: 'Reconciliations · backoffice · clearhouse' }];

export const RECONCILIATION_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

/** Reconciliations belong to no client: their list has no client filter. */
export const RECONCILIATION_LIST_OPTIONS = { clientFilter: false } as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, RECONCILIATION_READERS);
  const recon = context.services.reconciliations;
  const [list, counts, summary] = await Promise.all([
    staffListPage(request, user, recon, RECONCILIATION_LIST_OPTIONS),
    recon.lists.counts(),
    recon.summary(user),
  ]);
  return {
    ...list,
    counts,
    summary,
    canImport: user.role === 'operations',
    // A fresh key per rendered form: sending the same form twice imports once.
    idempotencyKey: randomUUID(),
    nowMs: Date.now(),
  };
}

const ERROR_WORDS: Record<string, string> = {
  duplicate_statement: 'This statement was imported already; nothing was stored.',
  forbidden: 'Only operations import statements.',
};

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['operations']);
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(
      request,
      unstable_createMemoryUploadHandler({
        maxPartSize: STATEMENT_MAX_BYTES,
        filter: ({ name }) => ['file', 'source', 'accountCode', 'idempotencyKey'].includes(name),
      }),
    );
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError)
      return {
        ok: false as const,
        error: 'The file is too large: nothing was stored.',
        code: 'validation_failed',
      };
    throw error;
  }
  const chosen = form.get('file');
  const file =
    chosen && typeof chosen !== 'string' && chosen.size > 0
      ? { buffer: Buffer.from(await chosen.arrayBuffer()), originalname: chosen.name }
      : null;
  let firstId: string | null = null;
  const result = await attempt(async () => {
    const imported = await context.services.reconciliations.import(
      user,
      { file, source: String(form.get('source') ?? ''), accountCode: String(form.get('accountCode') ?? '') },
      String(form.get('idempotencyKey') || randomUUID()),
    );
    firstId = 'items' in imported ? (imported.items[0]?.id ?? null) : imported.id;
  });
  if (result.ok && firstId) return redirect(`/ops/reconciliations/${firstId}`);
  if (!result.ok && ERROR_WORDS[result.code]) return { ...result, error: ERROR_WORDS[result.code]! };
  return result;
}

export default function Reconciliations() {
  const { page, counts, sort, searching, summary, status, canImport, idempotencyKey, nowMs } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <>
      <div className="row between">
        <h1>Reconciliations</h1>
        <CsvExportLink path="/ops/reconciliations.csv" />
      </div>
      {canImport ? (
        <section className="card">
          <h2>Import a statement</h2>
          <p className="muted">
            CSV, ISO 20022 camt.053 or SWIFT MT940; the format is read from the file. Without an account, the
            statement is reconciled against the omnibus account of its currency.
          </p>
          <Form method="post" encType="multipart/form-data" className="row" aria-label="Import a statement">
            <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
            <label>
              Statement file
              <input name="file" type="file" required />
            </label>
            <label>
              Source
              <select name="source" defaultValue="bank">
                <option value="bank">Bank</option>
                <option value="registry">Registry</option>
              </select>
            </label>
            <label>
              Ledger account (optional)
              <input name="accountCode" placeholder="bank:omnibus:EUR" />
            </label>
            <button type="submit" disabled={navigation.state === 'submitting'}>
              Import and match
            </button>
          </Form>
          <ActionMessage result={result} />
        </section>
      ) : null}
      <section className="row">
        <div className="card">
          <h2>Open breaks by age</h2>
          <ReconciliationChart
            title="Open breaks by age"
            settledLabel="open, within their due time"
            openLabel="past their due time"
            bars={summary.breaksByAge.map((b) => ({
              label: b.label,
              settled: b.open - b.overdue,
              open: b.overdue,
            }))}
          />
        </div>
        <div className="card">
          <h2>Statement lines per day</h2>
          <p>
            <strong>{`${summary.matchedPercent}% matched`}</strong> or resolved of the {summary.lines} lines
            booked in the last 30 days
          </p>
          <ReconciliationChart
            title="Statement lines per booking day, last 30 days"
            settledLabel="matched or resolved"
            openLabel="unmatched"
            bars={summary.history.map((d) => ({
              label: d.day.slice(5),
              settled: d.matched,
              open: d.unmatched,
            }))}
          />
        </div>
      </section>
      <StatusCounts statuses={RECONCILIATION_STATUSES} counts={counts} status={status} />
      <ListFilters
        statuses={RECONCILIATION_STATUSES}
        status={status}
        clientFilter={false}
        searchLabel="Search (account, IBAN, statement id or id)"
      />
      <p className="muted" aria-live="polite">
        {searching ? `${page.items.length} found on this page` : `${page.items.length} shown`}
      </p>
      <table className="grid">
        <thead>
          <tr>
            <SortHeader column="account" label="Account" sort={sort} />
            <SortHeader column="period" label="Period" sort={sort} firstDir="desc" />
            <th scope="col">Format</th>
            <SortHeader column="status" label="Status" sort={sort} />
            <SortHeader column="lines" label="Lines" sort={sort} numeric firstDir="desc" />
            <th scope="col" className="num">
              Matched
            </th>
            <SortHeader column="breaks" label="Open breaks" sort={sort} numeric firstDir="desc" />
            <th scope="col">Oldest open break</th>
            <th scope="col" className="num">
              Closing balance
            </th>
            <SortHeader column="created" label="Imported" sort={sort} firstDir="desc" />
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={10} className="muted">
                No reconciliations match.
              </td>
            </tr>
          ) : (
            page.items.map((r) => (
              <tr key={r.id} data-reconciliation-id={r.id}>
                <td>
                  <Link to={`/ops/reconciliations/${r.id}`}>{r.accountCode}</Link>
                  {r.statement.consistent ? null : <span className="badge danger"> inconsistent</span>}
                </td>
                <td>
                  {r.statement.from} – {r.statement.to}
                </td>
                <td>{r.format}</td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td className="num">{r.statement.lines}</td>
                <td className="num">{r.matchedPercent}%</td>
                <td className="num">{r.breaks}</td>
                <td>{r.oldestOpenBreakAt ? shortAge(r.oldestOpenBreakAt, nowMs) : '—'}</td>
                <td className="num">{formatMoney(r.statement.closingBalance, r.statement.currency)}</td>
                <td>
                  <Time at={r.createdAt} />
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
