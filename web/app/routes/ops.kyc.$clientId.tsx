import {
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
  type SerializeFrom,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { KYC_DOCUMENT_TYPES } from '../../../domain/kyc.js';
import { canActAs } from '../../../domain/roles.js';
import { attempt } from '../action-result.server.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { Person, personName, type People } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { useLiveResource } from '../live.js';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { StatementLink } from '../components/StatementLink.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { temporalUiLink } from '../temporal-ui.server.js';
import { Stepper } from '../components/Stepper.js';
import { KYC_STEPS } from '../lifecycle-steps.js';

export const meta: MetaFunction = () => [{ title: 'KYC review · backoffice · clearhouse' }];

const READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, READERS);
  const kyc = await loadOr404(() => context.services.kyc.get(user, params.clientId ?? ''));
  const people = await context.services.people([kyc.clientId, ...timelineActorIds(kyc.timeline)]);
  return {
    kyc,
    temporalUi: kyc.workflowId ? temporalUiLink(kyc.workflowId) : null,
    people,
    canReview: canActAs(user.role, 'operations'),
  };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'admin']);
  const form = await request.formData();
  const clientId = params.clientId ?? '';
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const kyc = context.services.kyc;
  switch (form.get('intent')) {
    case 'approve':
      return attempt(
        () => kyc.approve(user, clientId, { note: text('note') || null }, context.requestId),
        'Approved.',
      );
    case 'request_changes':
      return attempt(
        () => kyc.requestChanges(user, clientId, { comments: text('comments') }, context.requestId),
        'Changes requested: the client sees your comments.',
      );
    case 'reject':
      return attempt(
        () => kyc.reject(user, clientId, { reason: text('reason') }, context.requestId),
        'Rejected.',
      );
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'validation_failed' };
  }
}

type KycReview = SerializeFrom<typeof loader>['kyc'];
type KycDocument = KycReview['documents'][number];

export default function OpsKycReview() {
  const { kyc: rendered, temporalUi, people, canReview } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const { value: kyc } = useLiveResource(
    rendered,
    `/api/v1/kyc/events?clientId=${encodeURIComponent(rendered.clientId)}`,
  );
  const inReview = new Set(kyc.submission?.documentIds ?? []);
  const typeOrder = (type: string) => (KYC_DOCUMENT_TYPES as readonly string[]).indexOf(type);
  const submitted = kyc.documents
    .filter((d) => inReview.has(d.id))
    .sort((a, b) => typeOrder(a.type) - typeOrder(b.type));
  const others = kyc.documents.filter((d) => !inReview.has(d.id));
  const deciding = canReview && kyc.status === 'PENDING_REVIEW';
  return (
    <>
      <p>
        <Link to="/ops/tasks">← Task inbox</Link> · <Link to="/ops/kyc">KYC reviews</Link>
      </p>
      <h1>
        KYC of {personName(people, kyc.clientId)} <StatusBadge status={kyc.status} />
      </h1>
      <Stepper steps={KYC_STEPS.steps} ended={KYC_STEPS.ended} status={kyc.status} />
      <TemporalUiLink href={temporalUi} />
      <ActionMessage result={result} />
      <ReviewFacts kyc={kyc} people={people} />

      {deciding ? <DecisionForms busy={busy} /> : null}

      <h2>Documents under review</h2>
      {submitted.length === 0 ? <p className="muted">No submission yet.</p> : null}
      {submitted.map((doc) => (
        <SubmittedDocument key={doc.id} doc={doc} />
      ))}

      {others.length > 0 ? <OtherDocuments documents={others} /> : null}

      <section className="card" style={{ marginTop: '1rem' }}>
        <h2>Timeline</h2>
        <Timeline items={kyc.timeline} people={people} />
      </section>
    </>
  );
}

function ReviewFacts({ kyc, people }: { kyc: KycReview; people: People }) {
  return (
    <dl className="kv card">
      <dt>Client</dt>
      <dd>
        <Person people={people} id={kyc.clientId} />
        {people[kyc.clientId] ? <span className="muted"> · {people[kyc.clientId]!.email}</span> : null}
        <StatementLink clientId={kyc.clientId} />
      </dd>
      <dt>Submission</dt>
      <dd>
        {kyc.submission ? (
          <>
            #{kyc.submission.cycle}, <Time at={kyc.submission.submittedAt} />
          </>
        ) : (
          'none yet'
        )}
      </dd>
      {kyc.decision ? (
        <>
          <dt>Last decision</dt>
          <dd>
            {kyc.decision.action.replaceAll('_', ' ')} · <Time at={kyc.decision.at} />
            {kyc.decision.text ? ` · “${kyc.decision.text}”` : ''}
          </dd>
        </>
      ) : null}
      {kyc.expiresAt ? (
        <>
          <dt>Approval expires</dt>
          <dd>
            <Time at={kyc.expiresAt} />
          </dd>
        </>
      ) : null}
      <dt>Still missing</dt>
      <dd>{kyc.missing.length ? kyc.missing.map((m) => m.description).join('; ') : 'nothing'}</dd>
    </dl>
  );
}

/** Approve, request changes or reject: three real forms, one intent each. */
function DecisionForms({ busy }: { busy: boolean }) {
  return (
    <section className="card stack" aria-label="Decision">
      <h2>Decision</h2>
      <Form method="post" className="row">
        <label>
          Note (optional)
          <input name="note" maxLength={500} />
        </label>
        <button type="submit" name="intent" value="approve" disabled={busy}>
          Approve
        </button>
      </Form>
      <Form method="post" className="row">
        <label>
          Comments for the client
          <input name="comments" required maxLength={2000} size={60} />
        </label>
        <button type="submit" name="intent" value="request_changes" className="secondary" disabled={busy}>
          Request changes
        </button>
      </Form>
      <Form method="post" className="row">
        <ConfirmButton
          label="Reject…"
          question="Rejection is final: the client cannot resubmit, and cannot withdraw."
          confirmLabel={busy ? 'Rejecting…' : 'Yes, reject the application'}
          name="intent"
          value="reject"
        >
          <label>
            Reason (final: the client cannot resubmit)
            <input name="reason" required maxLength={2000} size={60} />
          </label>
        </ConfirmButton>
      </Form>
    </section>
  );
}

/** One document of the submission, shown inline (a PDF in a frame, an image as an image). */
function SubmittedDocument({ doc }: { doc: KycDocument }) {
  return (
    <section className="card" data-document-id={doc.id}>
      <h3>
        {doc.typeLabel} <StatusBadge status={doc.status} />
      </h3>
      <p className="muted">
        {doc.filename} · {doc.contentType} · {doc.sizeBytes} bytes · uploaded <Time at={doc.uploadedAt} /> ·
        sha256 <code>{doc.sha256}</code> ·{' '}
        <a href={doc.url} target="_blank" rel="noreferrer">
          open in a new tab
        </a>
      </p>
      {doc.contentType === 'application/pdf' ? (
        <iframe
          src={doc.url}
          title={`${doc.typeLabel}: ${doc.filename}`}
          style={{ width: '100%', height: '40rem', border: '1px solid #ccc' }}
        />
      ) : (
        <img
          src={doc.url}
          alt={`${doc.typeLabel}: ${doc.filename}`}
          style={{ maxWidth: '100%', maxHeight: '40rem' }}
        />
      )}
    </section>
  );
}

function OtherDocuments({ documents }: { documents: KycDocument[] }) {
  return (
    <>
      <h2>Other documents</h2>
      <table className="grid">
        <thead>
          <tr>
            <th>Document</th>
            <th>File</th>
            <th>Uploaded</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {documents.map((doc) => (
            <tr key={doc.id}>
              <td>{doc.typeLabel}</td>
              <td>
                <a href={doc.url} target="_blank" rel="noreferrer">
                  {doc.filename}
                </a>
              </td>
              <td>
                <Time at={doc.uploadedAt} />
              </td>
              <td>
                <StatusBadge status={doc.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
