import { randomUUID } from 'node:crypto';
import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { BATCH_STATUSES } from '../../../domain/settlement.js';
import { attempt } from '../action-result.server.js';
import { formatMoney } from '../amounts.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { SortHeader, StatusCounts, CsvExportLink } from '../components/ListControls.js';
import { NextPage, StatusFilter } from '../components/Settlement.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { staffListPage } from '../staff-list.server.js';

export const meta: MetaFunction = () => [{ title: 'Settlement batches · backoffice · clearhouse' }];

const READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, READERS);
  const settlements = context.services.settlements;
  // Batches belong to no client: no client filter.
  const [list, counts] = await Promise.all([
    staffListPage(
      request,
      user,
      { list: settlements.listBatches, lists: settlements.batchLists },
      { clientFilter: false },
    ),
    settlements.batchLists.counts(),
  ]);
  // A fresh key per rendered form: sending the same form twice starts one batch, not two.
  return { ...list, counts, canStart: user.role === 'operations', idempotencyKey: randomUUID() };
}

const ERROR_WORDS: Record<string, string> = {
  batch_cutoff_taken: 'Another batch already holds this cutoff; nothing was started.',
  forbidden: 'Only operations start settlement batches.',
};

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['operations']);
  const form = await request.formData();
  const local = String(form.get('cutoff') ?? '').trim();
  let startedId: string | null = null;
  const result = await attempt(async () => {
    const batch = await context.services.settlements.startBatch(
      user,
      // The form's cutoff is UTC (datetime-local has no zone): say so to the service.
      local ? { cutoff: new Date(`${local}Z`).toISOString() } : {},
      String(form.get('idempotencyKey') ?? randomUUID()),
    );
    startedId = batch.id;
  });
  if (result.ok && startedId) return redirect(`/ops/settlement-batches/${startedId}`);
  if (!result.ok && ERROR_WORDS[result.code]) return { ...result, error: ERROR_WORDS[result.code]! };
  if (!result.ok && result.fields?.cutoff) return { ...result, error: `Cutoff: ${result.fields.cutoff}` };
  return result;
}

export default function SettlementBatches() {
  const { page, status, counts, sort, canStart, idempotencyKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <>
      <div className="row between">
        <h1>Settlement batches</h1>
        <CsvExportLink path="/ops/settlement-batches.csv" />
      </div>
      <p>
        <Link to="/ops/settlements">Exceptions inbox →</Link>
      </p>
      {canStart ? (
        <section className="card">
          <h2>Start a batch now</h2>
          <p className="muted">
            Besides the scheduled cutoffs: settles every trade not yet in a batch up to the cutoff (now, or a
            time in the past, UTC).
          </p>
          <Form method="post" className="row">
            <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
            <label>
              Cutoff (UTC, optional)
              <input name="cutoff" type="datetime-local" step="1" />
            </label>
            <button type="submit" disabled={navigation.state === 'submitting'}>
              Start a batch now
            </button>
          </Form>
          <ActionMessage result={result} />
        </section>
      ) : null}
      <StatusCounts statuses={BATCH_STATUSES} counts={counts} status={status} />
      <StatusFilter statuses={BATCH_STATUSES} status={status} />
      <table className="grid">
        <thead>
          <tr>
            <SortHeader column="cutoff" label="Cutoff" sort={sort} firstDir="desc" />
            <th scope="col">Origin</th>
            <SortHeader column="status" label="Status" sort={sort} />
            <th className="num">Trades</th>
            <th className="num">Settlements</th>
            <th>Gross / net per asset</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                No batches.
              </td>
            </tr>
          ) : (
            page.items.map((b) => (
              <tr key={b.id} data-batch-id={b.id}>
                <td>
                  <Link to={`/ops/settlement-batches/${b.id}`}>
                    <Time at={b.cutoff} />
                  </Link>
                </td>
                <td>{b.origin}</td>
                <td>
                  <StatusBadge status={b.status} />
                </td>
                <td className="num">{b.trades}</td>
                <td className="num">{b.settlements}</td>
                <td>
                  {b.totals.length === 0
                    ? '—'
                    : b.totals.map((t) => (
                        <div key={t.asset}>
                          {formatMoney(t.gross, t.asset)} / {formatMoney(t.net, t.asset)}
                        </div>
                      ))}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <NextPage cursor={page.nextCursor} status={status} />
    </>
  );
}
