import {
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
  type SerializeFrom,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { canActAs } from '../../../domain/roles.js';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { CopyValue } from '../components/CopyButton.js';
import { Countdown } from '../components/Countdown.js';
import { Money } from '../components/Money.js';
import { OpenTasks } from '../components/OpenTasks.js';
import { Person, type People } from '../components/Person.js';
import { Stepper } from '../components/Stepper.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { Time } from '../components/Time.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { DEPOSIT_STEPS } from '../lifecycle-steps.js';
import { temporalUiLink } from '../temporal-ui.server.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { StatementLink } from '../components/StatementLink.js';

export const meta: MetaFunction = () => [{ title: 'Deposit · backoffice · clearhouse' }];

const READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, READERS);
  const deposit = await loadOr404(() => context.services.deposits.get(user, params.id ?? ''));
  const people = await context.services.people([
    deposit.clientId,
    ...timelineActorIds(deposit.timeline),
    ...(deposit.openTasks ?? []).map((task) => task.assignee),
  ]);
  return {
    deposit,
    people,
    temporalUi: temporalUiLink(deposit.workflowId),
    renderedAt: new Date().toISOString(),
    canConfirm: canActAs(user.role, 'operations'),
    canReview: canActAs(user.role, 'aml_officer'),
  };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin']);
  const form = await request.formData();
  const id = params.id ?? '';
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const deposits = context.services.deposits;
  switch (form.get('intent')) {
    case 'confirm': {
      const receivedAt = text('receivedAt');
      return attempt(
        () =>
          deposits.confirm(
            user,
            id,
            {
              receivedAmount: text('receivedAmount'),
              receivedAt: receivedAt ? new Date(receivedAt).toISOString() : undefined,
              note: text('note') || undefined,
              senderCountry: text('senderCountry').toUpperCase() || undefined,
              senderReference: text('senderReference') || undefined,
            },
            context.requestId,
          ),
        'Receipt confirmed.',
      );
    }
    case 'release':
      return attempt(
        () => deposits.release(user, id, { note: text('note') }, context.requestId),
        'Released.',
      );
    case 'extend': {
      const until = text('until');
      return attempt(
        () =>
          deposits.extend(
            user,
            id,
            { until: until ? new Date(until).toISOString() : '', note: text('note') },
            context.requestId,
          ),
        'Hold extended.',
      );
    }
    case 'reject':
      return attempt(
        () => deposits.reject(user, id, { reason: text('reason') }, context.requestId),
        'Rejected; funds returned.',
      );
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'validation_failed' };
  }
}

type Deposit = SerializeFrom<typeof loader>['deposit'];

export default function OpsDeposit() {
  const {
    deposit: rendered,
    people,
    temporalUi,
    renderedAt,
    canConfirm,
    canReview,
  } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const { value: deposit } = useLiveResource(rendered, `/api/v1/deposits/${rendered.id}/events`);
  const underReview = deposit.status === 'ON_HOLD' || deposit.status === 'AML_REVIEW';
  return (
    <>
      <p>
        <Link to="/ops/tasks">← Task inbox</Link>
      </p>
      <h1>
        Deposit <Money amount={deposit.amount} asset={deposit.currency} />{' '}
        <StatusBadge status={deposit.status} />
      </h1>
      <Stepper steps={DEPOSIT_STEPS.steps} ended={DEPOSIT_STEPS.ended} status={deposit.status} />
      <TemporalUiLink href={temporalUi} />
      <ActionMessage result={result} />
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="card" style={{ flex: 1 }}>
          <h2>Details</h2>
          <DepositFacts deposit={deposit} people={people} underReview={underReview} renderedAt={renderedAt} />
          {deposit.status === 'PENDING' && canConfirm ? (
            <ConfirmReceiptForm deposit={deposit} busy={busy} />
          ) : null}
          {underReview && canReview ? <AmlReviewForms busy={busy} /> : null}
        </section>
        <section className="card" style={{ flex: 1 }}>
          <OpenTasks tasks={deposit.openTasks ?? []} people={people} nowMs={Date.parse(renderedAt)} />
          {deposit.screening ? <Screening screening={deposit.screening} /> : null}
          <h2>Timeline</h2>
          <Timeline items={deposit.timeline} people={people} />
        </section>
      </div>
    </>
  );
}

function DepositFacts({
  deposit,
  people,
  underReview,
  renderedAt,
}: {
  deposit: Deposit;
  people: People;
  underReview: boolean;
  renderedAt: string;
}) {
  return (
    <dl className="kv">
      <dt>Client</dt>
      <dd>
        <Person people={people} id={deposit.clientId} />{' '}
        <span className="muted">({people[deposit.clientId]?.email ?? deposit.clientId})</span>
        <StatementLink clientId={deposit.clientId} />
      </dd>
      <dt>Announced</dt>
      <dd>
        <Money amount={deposit.amount} asset={deposit.currency} /> · <Time at={deposit.createdAt} />
      </dd>
      <dt>Reference</dt>
      <dd>
        <CopyValue value={deposit.instructions.reference} label="reference" />
      </dd>
      <dt>Client's reference</dt>
      <dd>{deposit.wireReference ?? '—'}</dd>
      <dt>Received</dt>
      <dd>
        <Money amount={deposit.receivedAmount} asset={deposit.currency} />
      </dd>
      {deposit.holdUntil ? (
        <>
          <dt>Hold until</dt>
          <dd>
            <Time at={deposit.holdUntil} age={false} />
            {underReview ? (
              <>
                {' '}
                (<Countdown until={deposit.holdUntil} renderedAt={renderedAt} />)
              </>
            ) : null}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

/** Operations records what the bank statement shows; the received amount is what gets credited. */
function ConfirmReceiptForm({ deposit, busy }: { deposit: Deposit; busy: boolean }) {
  return (
    <Form method="post" className="stack" aria-label="Confirm receipt">
      <h2>Confirm receipt</h2>
      <p className="muted">
        Enter what the bank statement shows; the received amount is what the client gets.
      </p>
      <label>
        Received amount ({deposit.currency})
        <input name="receivedAmount" inputMode="decimal" defaultValue={deposit.amount} required />
      </label>
      <label>
        Received at
        <input name="receivedAt" type="datetime-local" />
      </label>
      <label>
        Reference on the statement
        <input name="senderReference" defaultValue={deposit.instructions.reference} maxLength={140} />
      </label>
      <label>
        Sending bank's country (ISO code)
        <input name="senderCountry" maxLength={2} placeholder="DE" pattern="[A-Za-z]{2}" />
      </label>
      <label>
        Note
        <input name="note" maxLength={500} />
      </label>
      <button type="submit" name="intent" value="confirm" disabled={busy}>
        Confirm receipt
      </button>
    </Form>
  );
}

/** Release, extend the hold or reject: three real forms, one intent each. */
function AmlReviewForms({ busy }: { busy: boolean }) {
  return (
    <div className="stack" aria-label="AML review">
      <h2>AML review</h2>
      <Form method="post" className="row">
        <label>
          Note
          <input name="note" required maxLength={500} />
        </label>
        <button type="submit" name="intent" value="release" disabled={busy}>
          Release now
        </button>
      </Form>
      <Form method="post" className="row">
        <label>
          Hold until
          <input name="until" type="datetime-local" required />
        </label>
        <label>
          Note
          <input name="note" required maxLength={500} />
        </label>
        <button type="submit" name="intent" value="extend" className="secondary" disabled={busy}>
          Extend hold
        </button>
      </Form>
      <Form method="post">
        <ConfirmButton
          label="Reject…"
          question="The deposit is rejected and the funds go back to the sender. This cannot be undone."
          confirmLabel="Reject and return funds"
          name="intent"
          value="reject"
        >
          <label>
            Reason
            <input name="reason" required maxLength={500} />
          </label>
        </ConfirmButton>
      </Form>
    </div>
  );
}

function Screening({ screening }: { screening: NonNullable<Deposit['screening']> }) {
  return (
    <>
      <h2>AML screening</h2>
      <p>
        Score <strong>{screening.score}</strong> · decision <strong>{screening.decision}</strong>
      </p>
      {screening.reasons.length ? (
        <ul>
          {screening.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : (
        <p className="muted">No rule fired.</p>
      )}
    </>
  );
}
