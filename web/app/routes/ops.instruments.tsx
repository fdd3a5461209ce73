import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { formatMoney } from '../amounts.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { CsvExportLink, ListFilters, NextPageLink, SortHeader } from '../components/ListControls.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';
import { sortedListRequest } from '../sorted-list.server.js';

export const meta: MetaFunction = () => [{ title: 'Instruments · backoffice · clearhouse' }];

const DECIDERS = ['operations', 'admin'] as const;
export const INSTRUMENT_READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

/** The instruments' statuses, for the filter (the page imports no service module). */
const STATUSES = ['OPEN', 'HALTED'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, INSTRUMENT_READERS);
  const trading = context.services.trading;
  const list = trading.instrumentList;
  const { query, searching, read } = sortedListRequest(request, list.sortOf, (q) => list.page(user, q));
  const confirm = new URL(request.url).searchParams.get('confirm');
  const [page, all] = await Promise.all([
    read(query.cursor, query.limit),
    // The instrument a Halt…/Resume… link asks about, wherever the list's filters put it.
    confirm ? trading.instruments(user) : Promise.resolve([]),
  ]);
  return {
    instruments: page.items,
    nextCursor: page.nextCursor,
    confirming: all.find((i) => i.symbol === confirm) ?? null,
    sort: query.sort,
    status: query.status ?? '',
    searching,
    mayDecide: (DECIDERS as readonly string[]).includes(user.role),
  };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, DECIDERS);
  const form = await request.formData();
  const symbol = String(form.get('symbol') ?? '');
  const text = String(form.get('text') ?? '').trim();
  const trading = context.services.trading;
  if (form.get('intent') === 'resume') {
    return attempt(
      () => trading.resume(user, symbol, text),
      `${symbol} resumed: new orders are accepted again.`,
    );
  }
  return attempt(() => trading.halt(user, symbol, text), `${symbol} halted: new orders are refused.`);
}

type Instrument = ReturnType<typeof useLoaderData<typeof loader>>['instruments'][number];

/**
 * The confirmation step: "Halt…"/"Resume…" links render this form for one instrument (?confirm=),
 * which asks for the reason and posts. Works the same with or without JavaScript.
 */
function Confirm({ instrument }: { instrument: Instrument }) {
  const halting = instrument.status === 'OPEN';
  return (
    <section
      className="card confirm"
      role="alertdialog"
      aria-label={`${halting ? 'Halt' : 'Resume'} ${instrument.symbol}`}
    >
      <h2>
        {halting ? 'Halt' : 'Resume'} {instrument.symbol}?
      </h2>
      <p>
        {halting
          ? 'While halted, every new order is refused (instrument_halted). Resting orders stay in the book.'
          : 'New orders are accepted again at once.'}
      </p>
      <Form method="post" className="row">
        <input type="hidden" name="symbol" value={instrument.symbol} />
        <input type="hidden" name="intent" value={halting ? 'halt' : 'resume'} />
        <label>
          {halting ? 'Reason (clients see it)' : 'Note'}
          <input name="text" required maxLength={2000} />
        </label>
        <button type="submit" className={halting ? 'danger' : ''}>
          {halting ? `Halt ${instrument.symbol}` : `Resume ${instrument.symbol}`}
        </button>
        <Link to="/ops/instruments">Back</Link>
      </Form>
    </section>
  );
}

export default function OpsInstruments() {
  const { instruments, nextCursor, confirming, sort, status, searching, mayDecide } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <div className="row between">
        <h1>Instruments</h1>
        <CsvExportLink path="/ops/instruments.csv" />
      </div>
      <ActionMessage result={result} />
      {confirming && mayDecide && !result?.ok ? <Confirm instrument={confirming} /> : null}
      <ListFilters
        statuses={STATUSES}
        status={status}
        clientFilter={false}
        searchLabel="Search (symbol or name)"
      />
      <p className="muted" aria-live="polite">
        {searching ? `${instruments.length} found on this page` : `${instruments.length} shown`}
      </p>
      <table className="grid" data-testid="instruments">
        <thead>
          <tr>
            <SortHeader column="symbol" label="Instrument" sort={sort} />
            <SortHeader column="name" label="Name" sort={sort} />
            <SortHeader column="venue" label="Venue" sort={sort} />
            <SortHeader column="last" label="Last price" sort={sort} numeric firstDir="desc" />
            <SortHeader column="reference" label="Reference · band" sort={sort} numeric firstDir="desc" />
            <SortHeader column="status" label="Status" sort={sort} />
            <th scope="col">
              <span className="visually-hidden">Halt or resume</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {instruments.length === 0 ? (
            <tr>
              <td colSpan={7} className="muted">
                No instrument matches.
              </td>
            </tr>
          ) : null}
          {instruments.map((i) => (
            <tr key={i.symbol} data-symbol={i.symbol}>
              <td>
                <strong>{i.symbol}</strong>
              </td>
              <td>{i.name}</td>
              <td>{i.venue === 'internal' ? 'Internal book' : 'Paper broker'}</td>
              <td className="num">{i.lastPrice ? formatMoney(i.lastPrice, i.quoteAsset) : '—'}</td>
              <td className="num">
                {formatMoney(i.referencePrice, i.quoteAsset)} · ±{i.priceBandPct}%
              </td>
              <td>
                <StatusBadge status={i.status} />
                {i.statusReason && i.status === 'HALTED' ? (
                  <div className="muted small">{i.statusReason}</div>
                ) : null}
              </td>
              <td>
                {mayDecide ? (
                  <Link to={`?confirm=${i.symbol}`} className={i.status === 'OPEN' ? 'danger-link' : ''}>
                    {i.status === 'OPEN' ? 'Halt…' : 'Resume…'}
                  </Link>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <NextPageLink cursor={nextCursor} />
    </>
  );
}
