// /ops/reconciliations/:id: the statement with its lines and their match status (filter: unmatched),
// its breaks with their actions as plain form posts (they work without JavaScript; dismissal and
// adjustment ask first), and confirming a PENDING deposit from the line that names it.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { formatMoney } from '../amounts.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { BreakActions } from '../components/BreakActions.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { useLiveResource } from '../live.js';
import { breakAction } from '../reconciliation-break-actions.server.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { temporalUiLink } from '../temporal-ui.server.js';
import { RECONCILIATION_READERS } from './ops.reconciliations._index.js';

export const meta: MetaFunction = () => [{ title: 'Reconciliation · backoffice · clearhouse' }];

const MATCH_FILTERS = ['', 'UNMATCHED', 'MATCHED', 'RESOLVED'] as const;

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, RECONCILIATION_READERS);
  const id = params.id ?? '';
  const recon = context.services.reconciliations;
  const reconciliation = await loadOr404(() => recon.get(user, id));
  const search = new URL(request.url).searchParams;
  const matchStatus = MATCH_FILTERS.find((f) => f !== '' && f === search.get('matchStatus'));
  const [lines, breaks] = await Promise.all([
    recon.lines(user, id, { matchStatus, cursor: search.get('cursor') || undefined, limit: 200 }),
    recon.breaks(user, id, { limit: 200 }),
  ]);
  // The importer and whoever moved the run on, by name (the page passed nobody, so they read "unknown user").
  const people = await context.services.people(timelineActorIds(reconciliation.timeline));
  return {
    reconciliation,
    people,
    lines,
    breaks,
    matchStatus: matchStatus ?? '',
    canAct: user.role === 'operations',
    userId: user.id,
    temporalUi: temporalUiLink(reconciliation.workflowId),
  };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['operations']);
  const form = await request.formData();
  const recon = context.services.reconciliations;
  const breakResult = breakAction(recon, user, form, context.requestId);
  if (breakResult) return breakResult;
  switch (String(form.get('intent') ?? '')) {
    case 'confirm-deposit':
      return attempt(
        () =>
          recon.confirmDeposit(user, params.id ?? '', String(form.get('lineId') ?? ''), context.requestId),
        'Deposit confirmed from the statement line.',
      );
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'validation_failed' };
  }
}

export default function ReconciliationPage() {
  const {
    reconciliation: rendered,
    lines,
    breaks,
    matchStatus,
    canAct,
    userId,
    people,
    temporalUi,
  } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const { value: r, live } = useLiveResource(rendered, `/api/v1/ops/reconciliations/${rendered.id}/events`);
  const s = r.statement;
  const nextLines = new URLSearchParams(params);
  if (lines.nextCursor) nextLines.set('cursor', lines.nextCursor);
  return (
    <>
      <p>
        <Link to="/ops/reconciliations">← Reconciliations</Link>
      </p>
      <h1>
        {r.accountCode} {s.from} – {s.to} <StatusBadge status={r.status} />
      </h1>
      <p className="muted" aria-live="polite">
        {live ? 'Live: this page updates by itself.' : 'Reload to see changes.'}
      </p>
      <TemporalUiLink href={temporalUi} />
      <ActionMessage result={result} />
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Statement</h2>
          <dl className="kv">
            <dt>Format</dt>
            <dd>{r.format}</dd>
            <dt>Account</dt>
            <dd>{s.accountId ?? '—'}</dd>
            <dt>Statement id</dt>
            <dd>{s.statementId ?? '—'}</dd>
            <dt>Opening / closing</dt>
            <dd>
              {formatMoney(s.openingBalance, s.currency)} / {formatMoney(s.closingBalance, s.currency)}
            </dd>
            <dt>Lines</dt>
            <dd data-testid="lines">{s.lines}</dd>
            <dt>Matched</dt>
            <dd data-testid="matched">
              {r.matched} by rule, {r.resolved} resolved ({r.matchedPercent}%)
            </dd>
            <dt>Open breaks</dt>
            <dd data-testid="open-breaks">{r.breaks}</dd>
            <dt>Consistent</dt>
            <dd>{s.consistent ? 'yes' : 'no'}</dd>
            <dt>File sha256</dt>
            <dd>
              <code>{s.sha256}</code>
            </dd>
            <dt>Workflow</dt>
            <dd>
              <Link to={`/audit/workflows/${encodeURIComponent(r.workflowId)}`}>{r.workflowId}</Link>
            </dd>
          </dl>
          {s.problems.length > 0 ? (
            <ul className="error">
              {s.problems.map((p, i) => (
                <li key={i}>{p.message}</li>
              ))}
            </ul>
          ) : null}
          <p>
            <a href={`/ops/reconciliations/${r.id}/report.csv`} download>
              Download the report (CSV)
            </a>
          </p>
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={r.timeline} people={people} />
        </section>
      </div>

      <section className="card">
        <h2>Breaks</h2>
        {breaks.items.length === 0 ? (
          <p className="muted">No breaks.</p>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Kind</th>
                <th className="num">Difference</th>
                <th>Lines / entries</th>
                <th>Status</th>
                <th>Resolution</th>
                {canAct ? <th>Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {breaks.items.map((b) => (
                <tr key={b.id} id={`break-${b.id}`} data-break-id={b.id}>
                  <td>{b.kind.replaceAll('_', ' ')}</td>
                  <td className="num">{formatMoney(b.difference, b.asset)}</td>
                  <td>
                    {b.lineIds.length > 0 ? `lines ${b.lineIds.join(', ')}` : ''}
                    {b.entryIds.map((e) => (
                      <div key={e}>
                        <code>{e}</code>
                      </div>
                    ))}
                  </td>
                  <td>
                    <StatusBadge status={b.status} />
                  </td>
                  <td>{b.resolution ? `${b.resolution}${b.note ? `: ${b.note}` : ''}` : '—'}</td>
                  {canAct ? (
                    <td>
                      <BreakActions
                        b={b}
                        open={r.status === 'BREAKS_OPEN'}
                        userId={userId}
                        canMatch
                        canAdjust
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card">
        <h2>Statement lines</h2>
        <Form method="get" className="row">
          <label>
            Match status
            <select name="matchStatus" defaultValue={matchStatus}>
              {MATCH_FILTERS.map((f) => (
                <option key={f} value={f}>
                  {f === '' ? 'All' : f}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="secondary">
            Filter
          </button>
          <Link to="?matchStatus=UNMATCHED">Unmatched only</Link>
        </Form>
        <table className="grid">
          <thead>
            <tr>
              <th>#</th>
              <th>Booked</th>
              <th>Value</th>
              <th className="num">Amount</th>
              <th>Reference</th>
              <th>Counterparty</th>
              <th>Match</th>
              <th>Rule</th>
            </tr>
          </thead>
          <tbody>
            {lines.items.length === 0 ? (
              <tr>
                <td colSpan={8} className="muted">
                  No lines.
                </td>
              </tr>
            ) : (
              lines.items.map((l) => (
                <tr key={l.id} data-line-id={l.id}>
                  <td>{l.index + 1}</td>
                  <td>{l.bookedAt}</td>
                  <td>{l.valueAt}</td>
                  <td className="num">
                    {l.direction === 'DEBIT' ? '−' : '+'}
                    {formatMoney(l.amount, l.currency)}
                    {l.entryStatus === 'PENDING' ? ' (pending)' : ''}
                    {l.reversal ? ' (reversal)' : ''}
                  </td>
                  <td>{l.reference ?? l.text}</td>
                  <td>{l.counterparty ?? '—'}</td>
                  <td>
                    <StatusBadge status={l.matchStatus} />
                  </td>
                  <td>
                    {l.rule ?? '—'}
                    {l.depositId ? (
                      <>
                        {' '}
                        <Link to={`/ops/deposits/${l.depositId}`}>deposit</Link>
                        {canAct ? (
                          <Form method="post" className="inline">
                            <input type="hidden" name="lineId" value={l.id} />
                            <button type="submit" name="intent" value="confirm-deposit">
                              Confirm this deposit from the statement line
                            </button>
                          </Form>
                        ) : null}
                      </>
                    ) : null}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
        {lines.nextCursor ? (
          <p>
            <Link to={`?${nextLines}`}>Next lines →</Link>
          </p>
        ) : null}
      </section>
    </>
  );
}
