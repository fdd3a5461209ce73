import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction, SerializeFrom } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import type { HistoryStep } from '../../../auditing/history-timeline.js';
import type { ReplayResult } from '../../../api/services/audit-workflows.js';
import { Person, type People } from '../components/Person.js';
import { RichText } from '../components/RichText.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { AUDIT_READER_ROLES } from '../../../domain/roles.js';
import { requireUser } from '../session.server.js';
import { idsMentioned } from '../text-tokens.js';
import type { WorkflowAuditDetail } from '../../../auditing/workflow-detail.js';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.detail.workflowId ?? 'Workflow'} · audit · clearhouse` },
];

/**
 * The API's error, recognised by shape: the page bundle has its own copy of api/errors.ts, so
 * `instanceof ApiError` would not match what the in-process services throw.
 */
function apiErrorOf(error: unknown): { status: number; message: string; details: unknown } | null {
  const e = error as { name?: unknown; status?: unknown; message?: unknown; details?: unknown } | null;
  return e && e.name === 'ApiError' && typeof e.status === 'number'
    ? { status: e.status, message: String(e.message), details: e.details }
    : null;
}

/**
 * Everyone the page names: the client, each actor, who completed a task, and every id a recorded
 * text mentions (a transition's reason, a history step's title or arguments), for <Person> and
 * <RichText>. Ids that are nobody (a subject's, a workflow's) the lookup leaves out.
 */
function peopleNamed(detail: WorkflowAuditDetail): (string | null | undefined)[] {
  const { lifecycle, timeline } = detail;
  const steps = (timeline?.phases ?? []).flatMap((phase) => phase.steps);
  return [
    lifecycle?.ownerId,
    ...(lifecycle?.events ?? []).flatMap((event) => [event.actor?.id, ...idsMentioned([event.reason])]),
    ...(lifecycle?.tasks ?? []).map((task) => task.completedBy),
    ...steps.flatMap((step) => [
      step.actor?.id,
      ...idsMentioned([step.title, ...step.details.map((detail) => detail.value)]),
    ]),
  ];
}

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, AUDIT_READER_ROLES);
  let detail: WorkflowAuditDetail;
  try {
    detail = await context.services.auditWorkflows.detail(user, params.workflowId ?? '');
  } catch (error) {
    const status = apiErrorOf(error)?.status;
    if (status === 404 || status === 400)
      throw new Response('Not found', { status: 404, statusText: 'Not found' });
    throw error;
  }
  return { detail, people: await context.services.people(peopleNamed(detail)) };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, AUDIT_READER_ROLES);
  const form = await request.formData();
  if (form.get('intent') !== 'replay') return { ok: false as const, error: 'Unknown action.' };
  try {
    const replay: ReplayResult = await context.services.auditWorkflows.replay(user, params.workflowId ?? '');
    return { ok: true as const, replay };
  } catch (error) {
    const apiError = apiErrorOf(error);
    if (apiError) return { ok: false as const, error: apiError.message };
    throw error;
  }
}

const OUTCOME_LABEL: Record<HistoryStep['outcome'], string> = {
  ok: 'done',
  failed: 'FAILED',
  cancelled: 'cancelled',
  pending: 'open',
  info: '',
};

const OUTCOME_COLOR: Record<HistoryStep['outcome'], string> = {
  ok: 'var(--ok)',
  failed: 'var(--bad)',
  cancelled: 'var(--warn)',
  pending: 'var(--accent)',
  info: 'var(--muted)',
};

/** Who acted, by name (the role beside it); "system" when nobody did. */
function Actor({ actor, people }: { actor: { id: string; role: string | null } | null; people: People }) {
  if (!actor) return <>system</>;
  return <Person people={people} id={actor.id} role={actor.role ?? undefined} />;
}

type WorkflowDetail = SerializeFrom<typeof loader>['detail'];
type ReplayActionResult = { ok: true; replay: ReplayResult } | { ok: false; error: string };

export default function AuditWorkflow() {
  const { detail, people } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formMethod?.toLowerCase() === 'post';
  const { lifecycle } = detail;

  return (
    <>
      <p>
        <Link to="/audit/workflows">← Workflows</Link>
      </p>
      <h1>
        {detail.workflowId} {lifecycle ? <StatusBadge status={lifecycle.status} /> : null}
      </h1>

      <section className="card" aria-label="Summary">
        <SummaryFacts detail={detail} people={people} />
        <ReplayControls workflowId={detail.workflowId} busy={busy} hasHistory={Boolean(detail.history)} />
        {result ? <ReplayOutcome result={result} /> : null}
      </section>

      <div
        style={{
          display: 'grid',
          gridTemplateColumns: 'minmax(240px, 1fr) minmax(0, 2fr)',
          gap: '1rem',
          alignItems: 'start',
        }}
      >
        <BusinessTimeline lifecycle={lifecycle} people={people} />
        <EventHistory detail={detail} people={people} />
      </div>

      <LedgerEntries entries={detail.entries} />
    </>
  );
}

/** Type, business record, where the history comes from, its archive and the code that ran it. */
function SummaryFacts({ detail, people }: { detail: WorkflowDetail; people: People }) {
  const { lifecycle, history, timeline } = detail;
  return (
    <dl className="kv">
      <dt>Type</dt>
      <dd>{lifecycle?.type ?? history?.workflowType ?? '—'}</dd>
      {lifecycle ? (
        <>
          <dt>Business id</dt>
          <dd>{lifecycle.businessId}</dd>
          <dt>Client</dt>
          <dd>{lifecycle.ownerId ? <Person people={people} id={lifecycle.ownerId} /> : '—'}</dd>
          <dt>Started / closed</dt>
          <dd>
            {formatTime(lifecycle.createdAt)} / {formatTime(lifecycle.closedAt)}
          </dd>
        </>
      ) : null}
      <dt>History</dt>
      <dd>
        <HistorySource detail={detail} />
      </dd>
      <dt>Archive</dt>
      <dd>
        <ArchiveState detail={detail} />
      </dd>
      {timeline && timeline.buildIds.length > 0 ? (
        <>
          <dt>Code that ran it</dt>
          <dd>
            {timeline.buildIds.map((build) => (
              <code key={build} style={{ display: 'block', fontSize: '0.75rem' }}>
                {build}
              </code>
            ))}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function HistorySource({ detail }: { detail: WorkflowDetail }) {
  const { history } = detail;
  if (!history) return <span className="error">{detail.historyProblem ?? 'not available'}</span>;
  return (
    <>
      {history.eventCount} events, from {history.source === 'archive' ? 'the PostgreSQL archive' : 'Temporal'}
      {history.runId ? <span className="muted"> · run {history.runId}</span> : null}
    </>
  );
}

function ArchiveState({ detail }: { detail: WorkflowDetail }) {
  const { archive, history } = detail;
  if (!archive) return <span className="muted">not archived yet (archived when the workflow closes)</span>;
  return (
    <>
      archived {formatTime(archive.archivedAt)} · sha256 <code>{archive.sha256}</code>
      {history?.archiveIntact === false ? (
        <strong className="error"> — does NOT match the stored history</strong>
      ) : history?.archiveIntact ? (
        <span className="ok"> ✓ intact</span>
      ) : null}
    </>
  );
}

/** The replay button (a real form) and the links to the raw history and the export. */
function ReplayControls({
  workflowId,
  busy,
  hasHistory,
}: {
  workflowId: string;
  busy: boolean;
  hasHistory: boolean;
}) {
  const id = encodeURIComponent(workflowId);
  return (
    <div className="row" style={{ marginTop: '0.75rem', alignItems: 'center' }}>
      <Form method="post">
        <button type="submit" name="intent" value="replay" disabled={busy || !hasHistory}>
          {busy ? 'Replaying…' : 'Replay against the current code'}
        </button>
      </Form>
      <a href={`/api/v1/audit/workflows/${id}/history`} target="_blank" rel="noreferrer">
        Raw history JSON
      </a>
      <a href={`/api/v1/audit/workflows/${id}/export`} download>
        Export (history, ledger, audit log, manifest)
      </a>
    </div>
  );
}

/** The lifecycle record's transitions and the human tasks it opened. */
function BusinessTimeline({ lifecycle, people }: { lifecycle: WorkflowDetail['lifecycle']; people: People }) {
  return (
    <section className="card" aria-labelledby="business-timeline">
      <h2 id="business-timeline">Business timeline</h2>
      {lifecycle && lifecycle.events.length > 0 ? (
        <ol className="timeline">
          {lifecycle.events.map((event) => (
            <LifecycleEvent key={event.seq} event={event} people={people} />
          ))}
        </ol>
      ) : (
        <p className="muted">No lifecycle record for this workflow.</p>
      )}
      {lifecycle && lifecycle.tasks.length > 0 ? (
        <>
          <h3>Tasks</h3>
          <ul>
            {lifecycle.tasks.map((task) => (
              <li key={task.id}>
                <code>{task.kind}</code> for {task.requiredRole}: {task.status}
                {task.outcome ? ` (${task.outcome})` : ''}
                {task.completedBy ? (
                  <>
                    {' '}
                    by <Person people={people} id={task.completedBy} />
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

type LifecycleRecord = NonNullable<WorkflowDetail['lifecycle']>;

function LifecycleEvent({ event, people }: { event: LifecycleRecord['events'][number]; people: People }) {
  return (
    <li data-status={event.to}>
      <div>
        {event.from ? (
          <>
            <StatusBadge status={event.from} /> →{' '}
          </>
        ) : null}
        <StatusBadge status={event.to} />
      </div>
      <div className="muted">
        {formatTime(event.at)} · <Actor actor={event.actor} people={people} />
      </div>
      {event.reason ? (
        <div>
          <RichText text={event.reason} people={people} />
        </div>
      ) : null}
      {typeof event.data.action === 'string' ? (
        <div className="muted">
          action <code>{event.data.action}</code>
        </div>
      ) : null}
    </li>
  );
}

/** Temporal's history folded into phases of steps, each with its raw events. */
function EventHistory({ detail, people }: { detail: WorkflowDetail; people: People }) {
  const { timeline } = detail;
  const rawById = new Map(detail.rawEvents.map((event) => [String(event.eventId), event]));
  return (
    <section className="card" aria-labelledby="event-history">
      <h2 id="event-history">Temporal event history</h2>
      {timeline ? (
        <>
          <p className="muted">
            {timeline.eventCount} events; {timeline.workflowTasks} workflow tasks folded away. Each
            step&apos;s raw events are under “JSON”.
          </p>
          {timeline.phases.map((phase, p) => (
            <div key={p} style={{ marginBottom: '1rem' }}>
              <h3 style={{ margin: '0.5rem 0' }}>{phase.title}</h3>
              <ol className="timeline">
                {phase.steps.map((step) => (
                  <HistoryStepItem key={step.eventIds[0]} step={step} people={people} rawById={rawById} />
                ))}
              </ol>
            </div>
          ))}
        </>
      ) : (
        <p className="error">{detail.historyProblem ?? 'No history.'}</p>
      )}
    </section>
  );
}

type Step = NonNullable<WorkflowDetail['timeline']>['phases'][number]['steps'][number];

function HistoryStepItem({
  step,
  people,
  rawById,
}: {
  step: Step;
  people: People;
  rawById: Map<string, WorkflowDetail['rawEvents'][number]>;
}) {
  return (
    <li id={`event-${step.eventIds[0]}`} data-kind={step.kind}>
      {step.eventIds.slice(1).map((eventId) => (
        <a key={eventId} id={`event-${eventId}`} aria-hidden="true" />
      ))}
      <div>
        <strong>
          <RichText text={step.title} people={people} />
        </strong>{' '}
        {OUTCOME_LABEL[step.outcome] ? (
          <span style={{ color: OUTCOME_COLOR[step.outcome], fontWeight: 600 }}>
            {OUTCOME_LABEL[step.outcome]}
          </span>
        ) : null}
      </div>
      <div className="muted">
        {formatTime(step.at)} · events {step.eventIds.join(', ')}
        {step.actor ? (
          <>
            {' '}
            · by <Actor actor={step.actor} people={people} />
          </>
        ) : null}
      </div>
      {step.details.length > 0 ? (
        <dl className="kv" style={{ fontSize: '0.85rem' }}>
          {step.details
            .filter((d) => d.value !== '')
            .map((d, i) => (
              <div key={i} style={{ display: 'contents' }}>
                <dt>{d.label}</dt>
                <dd style={{ overflowWrap: 'anywhere' }}>
                  <RichText text={d.value} people={people} />
                </dd>
              </div>
            ))}
        </dl>
      ) : null}
      <details>
        <summary className="muted">JSON</summary>
        <pre style={{ fontSize: '0.75rem', overflowX: 'auto', maxHeight: '24rem' }}>
          {JSON.stringify(
            step.eventIds.map((eventId) => rawById.get(String(eventId))),
            null,
            2,
          )}
        </pre>
      </details>
    </li>
  );
}

/** Every ledger entry the workflow posted, with its lines. */
function LedgerEntries({ entries }: { entries: WorkflowDetail['entries'] }) {
  return (
    <section className="card" aria-labelledby="ledger">
      <h2 id="ledger">Ledger entries</h2>
      {entries.length === 0 ? <p className="muted">This workflow posted no entries.</p> : null}
      {entries.map((entry) => (
        <LedgerEntry key={entry.id} entry={entry} />
      ))}
    </section>
  );
}

function LedgerEntry({ entry }: { entry: WorkflowDetail['entries'][number] }) {
  return (
    <div style={{ marginBottom: '1rem' }}>
      <div>
        <strong>{entry.kind}</strong> · {entry.status} · {formatTime(entry.createdAt)}
        {entry.activity ? <span className="muted"> · activity {entry.activity}</span> : null}
      </div>
      <div className="muted">
        idempotency key <code>{entry.idempotencyKey}</code> · entry <code>{entry.id}</code>
        {entry.reversesEntryId ? <> · reverses {entry.reversesEntryId}</> : null}
      </div>
      <div>{entry.description}</div>
      <table className="grid">
        <thead>
          <tr>
            <th>Account</th>
            <th>Asset</th>
            <th className="num">Debit</th>
            <th className="num">Credit</th>
            <th>Pending</th>
          </tr>
        </thead>
        <tbody>
          {entry.lines.map((line, i) => (
            <tr key={i}>
              <td>
                <code>{line.accountCode}</code>
              </td>
              <td>{line.asset}</td>
              <td className="num">{line.debit}</td>
              <td className="num">{line.credit}</td>
              <td>{line.pending ? 'hold' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReplayOutcome({ result }: { result: ReplayActionResult }) {
  if (!result.ok) {
    return (
      <p className="error" role="alert">
        {result.error}
      </p>
    );
  }
  const { replay } = result;
  if (replay.deterministic) {
    return (
      <p className="ok" role="status" data-testid="replay-result">
        {`✓ Deterministic: ${replay.events} events replayed against the current code (history from ${replay.source}).`}
      </p>
    );
  }
  return (
    <div role="alert" data-testid="replay-result">
      <p className="error">
        <strong>✗ Not deterministic</strong>: the current code does not follow this history
        {replay.divergence?.eventId ? (
          <>
            {' '}
            — it diverges at{' '}
            <a href={`#event-${replay.divergence.eventId}`}>event {replay.divergence.eventId}</a>
            {replay.divergence.eventType ? ` (${replay.divergence.eventType})` : ''}
          </>
        ) : null}
        .
      </p>
      <pre style={{ whiteSpace: 'pre-wrap', fontSize: '0.8rem' }}>{replay.error}</pre>
    </div>
  );
}
