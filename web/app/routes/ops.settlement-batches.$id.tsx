import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { SETTLEMENT_STATUSES } from '../../../domain/settlement.js';
import { formatMoney } from '../amounts.js';
import { NextPage, StatusFilter } from '../components/Settlement.js';
import { StatusBadge, Timeline, formatTime, timelineActorIds } from '../components/Timeline.js';
import { listQuery } from '../list-query.server.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { temporalUiLink } from '../temporal-ui.server.js';

export const meta: MetaFunction = () => [{ title: 'Settlement batch · backoffice · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const id = params.id ?? '';
  const batch = await loadOr404(() => context.services.settlements.getBatch(user, id));
  const { status, cursor, limit } = listQuery(request);
  const settlements = await context.services.settlements.list(user, { batchId: id, status, cursor, limit });
  const people = await context.services.people(timelineActorIds(batch.timeline));
  return { batch, temporalUi: temporalUiLink(batch.workflowId), settlements, status: status ?? '', people };
}

export default function SettlementBatchPage() {
  const { batch: rendered, temporalUi, settlements, status, people } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const { value: batch, live } = useLiveResource(
    rendered,
    `/api/v1/ops/settlement-batches/${rendered.id}/events`,
  );
  return (
    <>
      <p>
        <Link to="/ops/settlement-batches">← Settlement batches</Link> ·{' '}
        <Link to="/ops/settlements">Exceptions inbox</Link>
      </p>
      <h1>
        Batch cut off at {formatTime(batch.cutoff)} <StatusBadge status={batch.status} />
      </h1>
      <TemporalUiLink href={temporalUi} />
      <p className="muted" aria-live="polite">
        {live ? 'Live: this page updates by itself.' : 'Reload to see changes.'}
      </p>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Details</h2>
          <dl className="kv">
            <dt>Status</dt>
            <dd data-testid="status">{batch.status}</dd>
            <dt>Origin</dt>
            <dd>{batch.origin === 'manual' ? 'started by operations' : 'the settlement schedule'}</dd>
            <dt>Trades</dt>
            <dd data-testid="trades">{batch.trades}</dd>
            <dt>Client settlements</dt>
            <dd data-testid="settlements">{batch.settlements}</dd>
            <dt>Workflow</dt>
            <dd>
              <Link to={`/audit/workflows/${encodeURIComponent(batch.workflowId)}`}>{batch.workflowId}</Link>
            </dd>
          </dl>
          <h2>Totals</h2>
          {batch.totals.length === 0 ? (
            <p className="muted">No trades.</p>
          ) : (
            <table className="grid" aria-label="Totals">
              <thead>
                <tr>
                  <th>Asset</th>
                  <th className="num">Gross traded</th>
                  <th className="num">Net moved</th>
                </tr>
              </thead>
              <tbody>
                {batch.totals.map((t) => (
                  <tr key={t.asset} data-total={t.asset}>
                    <td>{t.asset}</td>
                    <td className="num">{formatMoney(t.gross, t.asset)}</td>
                    <td className="num">{formatMoney(t.net, t.asset)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <Timeline items={batch.timeline} people={people} />
        </section>
      </div>
      <h2>Client settlements</h2>
      <StatusFilter statuses={SETTLEMENT_STATUSES} status={status} />
      <table className="grid">
        <thead>
          <tr>
            <th>Client</th>
            <th>Legs</th>
            <th className="num">Trades</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {settlements.items.length === 0 ? (
            <tr>
              <td colSpan={4} className="muted">
                {params.has('status') && status ? `No ${status} settlements.` : 'No client settlements.'}
              </td>
            </tr>
          ) : (
            settlements.items.map((s) => (
              <tr key={s.id} data-settlement-id={s.id}>
                <td>
                  <Link to={`/ops/settlements?id=${s.id}`}>{s.clientId.slice(0, 8)}</Link>
                </td>
                <td>
                  {s.legs.length === 0
                    ? 'nothing to move'
                    : s.legs.map((l) => `${l.direction} ${formatMoney(l.amount, l.asset)}`).join(' · ')}
                </td>
                <td className="num">{s.tradeCount}</td>
                <td>
                  <StatusBadge status={s.status} />
                  {s.failure ? <div className="muted">{s.failure}</div> : null}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <NextPage cursor={settlements.nextCursor} status={status} />
    </>
  );
}
