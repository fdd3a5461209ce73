import { randomUUID } from 'node:crypto';
import {
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
  type SerializeFrom,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import {
  KYC_DOCUMENT_TYPES,
  KYC_DOCUMENT_TYPE_LABELS,
  KYC_MAX_DOCUMENT_BYTES,
  KYC_REQUIREMENTS,
} from '../../../domain/kyc.js';
import { attempt, type ActionResult } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { StatusBadge, Timeline, timelineActorIds } from '../components/Timeline.js';
import { Time } from '../components/Time.js';
import { useLiveResource } from '../live.js';
import { useNamesFor } from '../live-people.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'KYC · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const kyc = await context.services.kyc.get(user);
  const people = await context.services.people(timelineActorIds(kyc.timeline));
  // A fresh key per rendered form: sending the same form twice stores one document, not two.
  return { kyc, people, idempotencyKey: randomUUID() };
}

export async function action({ context, request }: ActionFunctionArgs): Promise<ActionResult> {
  const user = requireUser(context, request, ['client']);
  const multipart = (request.headers.get('content-type') ?? '').startsWith('multipart/form-data');
  let form: FormData;
  try {
    form = multipart
      ? await unstable_parseMultipartFormData(
          request,
          unstable_createMemoryUploadHandler({
            maxPartSize: KYC_MAX_DOCUMENT_BYTES,
            // Every part goes through the handler: keep the form's own fields, drop anything else.
            filter: ({ name }) => ['file', 'type', 'idempotencyKey', 'intent'].includes(name),
          }),
        )
      : await request.formData();
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      return {
        ok: false,
        error: 'The file is larger than 10 MB: nothing was stored.',
        code: 'validation_failed',
        fields: { file: 'larger than 10 MB' },
      };
    }
    throw error;
  }
  if (form.get('intent') === 'submit') {
    return attempt(
      () => context.services.kyc.submit(user, context.requestId),
      'Submitted: our team will review your documents.',
    );
  }
  const chosen = form.get('file');
  const file =
    chosen && typeof chosen !== 'string' && (chosen.size > 0 || chosen.name)
      ? { buffer: Buffer.from(await chosen.arrayBuffer()), originalname: chosen.name, mimetype: chosen.type }
      : null;
  return attempt(
    () =>
      context.services.kyc.upload(
        user,
        { type: String(form.get('type') ?? ''), file },
        String(form.get('idempotencyKey') || randomUUID()),
      ),
    'Document uploaded.',
  );
}

const EXPLAIN: Record<string, string> = {
  NOT_STARTED:
    'Upload the documents below, then submit them for review. Withdrawals open once your KYC is approved.',
  PENDING_REVIEW: 'Your documents are with our team. You will see the outcome here.',
  APPROVED: 'Your identity is verified. You can withdraw funds to a verified bank account.',
  REJECTED: 'Your KYC application was rejected. Contact support if you think this is a mistake.',
  CHANGES_REQUESTED:
    'Our team needs something changed: read their comments, upload what they ask for and submit again.',
  EXPIRED: 'Your verification has expired. Upload current documents and submit them for a new review.',
};

const MEGABYTES = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

function size(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${MEGABYTES.format(bytes / 1024 / 1024)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

type Kyc = SerializeFrom<typeof loader>['kyc'];

export default function KycPage() {
  const { kyc: rendered, people, idempotencyKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const { value: kyc } = useLiveResource(rendered, '/api/v1/kyc/events');
  useNamesFor(people, timelineActorIds(kyc.timeline));
  const canUpload = kyc.status !== 'REJECTED';
  return (
    <>
      <h1>
        Know your customer <StatusBadge status={kyc.status} />
      </h1>
      <p>{EXPLAIN[kyc.status]}</p>
      {kyc.status === 'APPROVED' && kyc.expiresAt ? (
        <p className="muted">
          Valid until <Time at={kyc.expiresAt} />.
        </p>
      ) : null}
      <ReviewerComments kyc={kyc} />
      <ActionMessage result={result} />

      <div className="row" style={{ alignItems: 'flex-start' }}>
        <Checklist kyc={kyc} busy={busy} />
        {canUpload ? (
          <UploadForm
            kyc={kyc}
            idempotencyKey={idempotencyKey}
            busy={busy}
            fileInvalid={Boolean(result && !result.ok && result.fields?.file)}
          />
        ) : null}
      </div>

      <h2>Your documents</h2>
      <DocumentTable documents={kyc.documents} />

      <section className="card" style={{ marginTop: '1rem' }}>
        <h2>Timeline</h2>
        <Timeline items={kyc.timeline} people={people} />
      </section>
    </>
  );
}

/** What the reviewer wrote, when they asked for changes or rejected. */
function ReviewerComments({ kyc }: { kyc: Kyc }) {
  if (
    !kyc.decision ||
    !(kyc.status === 'CHANGES_REQUESTED' || kyc.status === 'REJECTED') ||
    !kyc.decision.text
  )
    return null;
  return (
    <section className="card" aria-label="Reviewer comments">
      <h2>{kyc.status === 'REJECTED' ? 'Reason' : 'What our team asks for'}</h2>
      <p>{kyc.decision.text}</p>
      <p className="muted">
        <Time at={kyc.decision.at} />
      </p>
    </section>
  );
}

/** Each requirement met or missing, and the submit button once nothing is. */
function Checklist({ kyc, busy }: { kyc: Kyc; busy: boolean }) {
  const missing = new Set(kyc.missing.map((m) => m.requirement));
  return (
    <section className="card" style={{ flex: 1 }} aria-label="Checklist">
      <h2>Checklist</h2>
      <ul>
        {KYC_REQUIREMENTS.map((requirement) => (
          <li
            key={requirement.key}
            data-requirement={requirement.key}
            data-missing={missing.has(requirement.key)}
          >
            {missing.has(requirement.key) ? '✗ Missing: ' : '✓ '}
            {requirement.description}
          </li>
        ))}
        <li className="muted">Optional: a company registration extract, if you trade for a company.</li>
      </ul>
      {kyc.allowedActions.includes('submit') ? (
        <Form method="post">
          <button type="submit" name="intent" value="submit" disabled={busy || kyc.missing.length > 0}>
            Submit for review
          </button>
          {kyc.missing.length > 0 ? <p className="muted">Upload what is missing first.</p> : null}
        </Form>
      ) : null}
    </section>
  );
}

function UploadForm({
  kyc,
  idempotencyKey,
  busy,
  fileInvalid,
}: {
  kyc: Kyc;
  idempotencyKey: string;
  busy: boolean;
  fileInvalid: boolean;
}) {
  return (
    <section className="card" style={{ flex: 1 }}>
      <h2>Upload a document</h2>
      <p className="muted">
        A PDF, PNG or JPEG of at most 10 MB. We check what the file really is, not its name.
      </p>
      <Form method="post" encType="multipart/form-data" className="stack" aria-label="Upload a document">
        <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
        <label>
          Document
          <select name="type" defaultValue={kyc.missing[0]?.acceptedTypes[0] ?? 'passport'}>
            {KYC_DOCUMENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {KYC_DOCUMENT_TYPE_LABELS[type]}
              </option>
            ))}
          </select>
        </label>
        <label>
          File
          <input
            type="file"
            name="file"
            required
            accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
            aria-invalid={fileInvalid}
          />
        </label>
        <button type="submit" name="intent" value="upload" disabled={busy}>
          Upload
        </button>
      </Form>
    </section>
  );
}

function DocumentTable({ documents }: { documents: Kyc['documents'] }) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>Document</th>
          <th>File</th>
          <th className="num">Size</th>
          <th>Uploaded</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {documents.length === 0 ? (
          <tr>
            <td colSpan={5} className="muted">
              Nothing uploaded yet.
            </td>
          </tr>
        ) : (
          documents.map((doc) => (
            <tr key={doc.id} data-document-id={doc.id}>
              <td>
                {doc.typeLabel}
                {doc.current ? '' : <span className="muted"> (replaced)</span>}
              </td>
              <td>
                <a href={doc.url} target="_blank" rel="noreferrer">
                  {doc.filename}
                </a>
              </td>
              <td className="num">{size(doc.sizeBytes)}</td>
              <td>
                <Time at={doc.uploadedAt} />
              </td>
              <td>
                <StatusBadge status={doc.status} />
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
