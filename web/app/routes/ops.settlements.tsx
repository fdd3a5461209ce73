// The settlement exceptions inbox: FAILING settlements (a refused or unreachable delivery, or a
// pending settlement short of its releases) with their reason, a retry {note} form and a cancel
// {reason} form behind a confirmation. `?id=` shows one settlement on top, whatever its status
// (the task inbox and batch pages link here).
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { SETTLEMENT_STATUSES } from '../../../domain/settlement.js';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { ListHeader, NextPageLink, SortHeader } from '../components/ListControls.js';
import { Money } from '../components/Money.js';
import { Person, type People } from '../components/Person.js';
import { SettlementLegs, SettlementSteps } from '../components/Settlement.js';
import { Time } from '../components/Time.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { staffListPage } from '../staff-list.server.js';

export const meta: MetaFunction = () => [{ title: 'Settlement exceptions · backoffice · clearhouse' }];

const READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, READERS);
  const settlements = context.services.settlements;
  const id = new URL(request.url).searchParams.get('id');
  const [list, counts, focus] = await Promise.all([
    staffListPage(request, user, settlements, { defaultStatus: 'FAILING' }),
    settlements.lists.counts(),
    id ? loadOr404(() => settlements.get(user, id)) : Promise.resolve(null),
  ]);
  const people = await context.services.people([
    ...list.page.items.map((s) => s.clientId),
    focus?.clientId,
    ...timelineActorIds(focus?.timeline ?? []),
  ]);
  return { ...list, counts, focus, people };
}

const ERROR_WORDS: Record<string, string> = {
  delivery_failed: 'The delivery failed again; the settlement stays with you.',
  invalid_state: 'This settlement is not FAILING any more; reload to see where it is.',
  forbidden: 'Only operations retry or cancel settlements.',
};

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['operations']);
  const form = await request.formData();
  const id = String(form.get('id') ?? '');
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const settlements = context.services.settlements;
  let result;
  switch (form.get('intent')) {
    case 'retry':
      result = await attempt(
        () => settlements.retry(user, id, { note: text('note') || null }, context.requestId),
        'Delivered on retry.',
      );
      break;
    case 'cancel':
      result = await attempt(
        () => settlements.cancel(user, id, { reason: text('reason') }, context.requestId),
        'Settlement cancelled.',
      );
      break;
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'validation_failed' };
  }
  if (!result.ok && result.code === 'delivery_failed')
    return { ...result, error: `${ERROR_WORDS.delivery_failed} ${result.error}` };
  if (!result.ok && ERROR_WORDS[result.code]) return { ...result, error: ERROR_WORDS[result.code]! };
  if (!result.ok && result.fields?.reason) return { ...result, error: 'Give a reason for the cancellation.' };
  return result;
}

interface Exception {
  id: string;
  /** Its first step is when it began (the "created" sort). */
  timeline: { at: string }[];
  clientId: string;
  batchId: string;
  status: string;
  cutoff: string;
  failure: string | null;
  tradeCount: number;
  legs: { asset: string; direction: 'DELIVER' | 'RECEIVE'; amount: string }[];
  allowedActions: string[];
}

export default function SettlementExceptions() {
  const { page, focus, status, counts, sort, people, searching } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const confirmId = result?.ok ? null : params.get('confirm');
  const confirming = page.items.find((s) => s.id === confirmId) ?? (focus?.id === confirmId ? focus : null);
  return (
    <>
      <ListHeader
        title="Settlement exceptions"
        csvPath="/ops/settlements.csv"
        statuses={SETTLEMENT_STATUSES}
        counts={counts}
        status={status}
        searchLabel="Search (client email or name, settlement id)"
      />
      <p>
        <Link to="/ops/settlement-batches">Settlement batches</Link> · <Link to="/ops/tasks">Task inbox</Link>
      </p>
      <ActionMessage result={result} />
      {confirming ? <CancelConfirmation settlement={confirming} /> : null}
      {focus ? <Focus rendered={focus} people={people} /> : null}
      <p className="muted" aria-live="polite">
        {searching ? `${page.items.length} found on this page` : `${page.items.length} shown`}
      </p>
      <table className="grid" data-testid="exceptions">
        <thead>
          <tr>
            <SortHeader column="created" label="Settlement" sort={sort} firstDir="desc" />
            <SortHeader column="client" label="Client" sort={sort} />
            <SortHeader column="cutoff" label="Batch cutoff" sort={sort} firstDir="desc" />
            <th scope="col">Legs</th>
            <th scope="col">Why</th>
            <SortHeader column="status" label="Status" sort={sort} />
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={7} className="muted">
                {status === 'FAILING' ? 'No exceptions: every delivery went through.' : 'None.'}
              </td>
            </tr>
          ) : (
            page.items.map((s) => <ExceptionRow key={s.id} settlement={s} people={people} />)
          )}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} status={status} />
    </>
  );
}

/** One settlement in full, followed live (the task inbox's link). */
function Focus({
  rendered,
  people,
}: {
  people: People;
  rendered: Exception & {
    expected: Record<string, string>;
    timeline: Parameters<typeof Timeline>[0]['items'];
  };
}) {
  const { value: settlement } = useLiveResource(rendered, `/api/v1/settlements/${rendered.id}/events`);
  return (
    <section className="card" data-focus={settlement.id}>
      <h2>
        Settlement {settlement.id.slice(0, 8)} <StatusBadge status={settlement.status} />
      </h2>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div style={{ flex: 1 }}>
          <ExceptionFacts settlement={settlement} people={people} />
          <SettlementLegs legs={settlement.legs} />
          <ExceptionForms settlement={settlement} />
        </div>
        <div style={{ flex: 1 }}>
          <SettlementSteps settlement={settlement} />
          <Timeline items={settlement.timeline} people={people} />
        </div>
      </div>
    </section>
  );
}

function ExceptionFacts({ settlement, people }: { settlement: Exception; people: People }) {
  return (
    <dl className="kv">
      <dt>Client</dt>
      <dd>
        <Person people={people} id={settlement.clientId} />
      </dd>
      <dt>Batch</dt>
      <dd>
        <Link to={`/ops/settlement-batches/${settlement.batchId}`}>
          cut off at <Time at={settlement.cutoff} age={false} />
        </Link>
      </dd>
      <dt>Trades</dt>
      <dd>{settlement.tradeCount}</dd>
      {settlement.failure ? (
        <>
          <dt>Why</dt>
          <dd data-testid="failure">{settlement.failure}</dd>
        </>
      ) : null}
    </dl>
  );
}

function ExceptionRow({ settlement, people }: { settlement: Exception; people: People }) {
  return (
    <tr data-settlement-id={settlement.id}>
      <td>
        <Link to={`?id=${settlement.id}`}>
          <Time at={settlement.timeline[0]?.at} />
        </Link>
        <div className="muted">
          {settlement.tradeCount} {settlement.tradeCount === 1 ? 'trade' : 'trades'}
        </div>
      </td>
      <td>
        <Person people={people} id={settlement.clientId} />
      </td>
      <td>
        <Link to={`/ops/settlement-batches/${settlement.batchId}`}>
          <Time at={settlement.cutoff} age={false} />
        </Link>
      </td>
      <td>
        {settlement.legs.length === 0
          ? 'nothing to move'
          : settlement.legs.map((leg) => (
              <div key={leg.asset} data-leg={leg.asset}>
                {leg.direction === 'RECEIVE' ? 'receive' : 'deliver'}{' '}
                <Money amount={leg.amount} asset={leg.asset} />
              </div>
            ))}
      </td>
      <td data-testid="failure">{settlement.failure ?? '—'}</td>
      <td>
        <StatusBadge status={settlement.status} />
      </td>
      <td>
        <ExceptionForms settlement={settlement} />
      </td>
    </tr>
  );
}

/** Retry in one step; cancel asks for a reason on a confirmation first (it cannot be undone). */
function ExceptionForms({ settlement }: { settlement: Exception }) {
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const busy = navigation.state === 'submitting';
  if (!settlement.allowedActions.includes('retry') && !settlement.allowedActions.includes('cancel'))
    return null;
  const confirm = new URLSearchParams(params);
  confirm.set('confirm', settlement.id);
  return (
    <div className="row">
      {settlement.allowedActions.includes('retry') ? (
        <Form method="post" className="row">
          <input type="hidden" name="id" value={settlement.id} />
          <label>
            Note (optional)
            <input name="note" maxLength={2000} />
          </label>
          <button type="submit" name="intent" value="retry" disabled={busy}>
            Retry delivery
          </button>
        </Form>
      ) : null}
      {settlement.allowedActions.includes('cancel') ? (
        <Link to={`?${confirm}`} className="danger-link">
          Cancel…
        </Link>
      ) : null}
    </div>
  );
}

function CancelConfirmation({ settlement }: { settlement: Exception }) {
  const [params] = useSearchParams();
  const back = new URLSearchParams(params);
  back.delete('confirm');
  return (
    <section className="card confirm" role="alertdialog" aria-label={`Cancel settlement ${settlement.id}`}>
      <h2>Cancel settlement {settlement.id.slice(0, 8)}?</h2>
      <p>
        Nothing is delivered; its trades are marked FAILED and their proceeds stay pending for the client
        until they are settled otherwise. This cannot be undone.
      </p>
      <Form method="post" className="row">
        <input type="hidden" name="id" value={settlement.id} />
        <label>
          Reason
          <input name="reason" required maxLength={2000} />
        </label>
        <button type="submit" name="intent" value="cancel" className="danger">
          Cancel the settlement
        </button>
        <Link to={`?${back}`}>Back</Link>
      </Form>
    </section>
  );
}
