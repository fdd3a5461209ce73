import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { SettlementLegs, SettlementSteps, SettlementTrades } from '../components/Settlement.js';
import { StatusBadge, Timeline, formatTime, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Settlement · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const id = params.id ?? '';
  const settlement = await loadOr404(() => context.services.settlements.get(user, id));
  const trades = await context.services.settlements.trades(user, id);
  const people = await context.services.people(timelineActorIds(settlement.timeline));
  return { settlement, trades, people };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const result = await attempt(
    () => context.services.settlements.confirmReceipt(user, params.id ?? '', context.requestId),
    'Receipt confirmed. Thank you.',
  );
  if (!result.ok && result.code === 'invalid_state')
    return { ...result, error: 'Only a delivered settlement can be confirmed.' };
  return result;
}

const STATUS_WORDS: Record<string, string> = {
  INITIATED: 'Collected at the cutoff; the netting is being checked.',
  PROCESSED: 'Netted and checked; the delivery is under way.',
  DELIVERED: 'Delivered: the proceeds are available on your balances. Please confirm receipt.',
  CONFIRMED: 'Settled and confirmed.',
  FAILING: 'The delivery ran into a problem; our operations team is on it. Proceeds stay pending.',
  CANCELLED: 'Cancelled by operations; we will contact you about these trades.',
};

export default function SettlementPage() {
  const { settlement: rendered, trades, people } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const { value: settlement, live } = useLiveResource(rendered, `/api/v1/settlements/${rendered.id}/events`);
  return (
    <>
      <p>
        <Link to="/app/settlements">← Settlements</Link>
      </p>
      <h1>
        Settlement of {formatTime(settlement.cutoff)} <StatusBadge status={settlement.status} />
      </h1>
      <p className="muted" aria-live="polite">
        {live ? 'Live: this page updates by itself.' : 'Reload to see changes.'}
      </p>
      <ActionMessage result={result} />
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Details</h2>
          <dl className="kv">
            <dt>Status</dt>
            <dd data-testid="status">{settlement.status}</dd>
            <dt>What it means</dt>
            <dd>{STATUS_WORDS[settlement.status] ?? ''}</dd>
            <dt>Next step expected</dt>
            <dd>{settlement.expectedAt ? formatTime(settlement.expectedAt) : '—'}</dd>
            <dt>Trades</dt>
            <dd>{settlement.tradeCount}</dd>
          </dl>
          <h2>Legs</h2>
          <SettlementLegs legs={settlement.legs} />
          {settlement.allowedActions.includes('confirm_receipt') ? (
            <Form method="post">
              <p>Received everything listed above? Confirming closes the settlement.</p>
              <button type="submit" disabled={navigation.state === 'submitting'}>
                Confirm receipt
              </button>
            </Form>
          ) : null}
        </section>
        <section className="card" style={{ flex: 1 }}>
          <h2>Timeline</h2>
          <SettlementSteps settlement={settlement} />
          <Timeline items={settlement.timeline} people={people} />
        </section>
      </div>
      <section className="card">
        <h2>Included trades</h2>
        <SettlementTrades trades={trades} total={settlement.tradeCount} />
      </section>
    </>
  );
}
