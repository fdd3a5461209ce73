import type { LoaderFunctionArgs, MetaFunction, SerializeFrom } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import type { AuditWebServices } from '../../../api/pages/audit-log.js';
import { isUuid } from '../../../domain/ids.js';
import { formatTime } from '../components/Timeline.js';
import { AUDIT_READER_ROLES } from '../../../domain/roles.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Audit log · clearhouse' }];

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/;

function compact(value: unknown): string {
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, AUDIT_READER_ROLES);
  const audit = (context.services as { audit?: AuditWebServices }).audit;
  if (!audit) throw new Response('The audit log is not wired into the page services.', { status: 503 });

  const params = new URL(request.url).searchParams;
  const actorId = params.get('actorId')?.trim() || undefined;
  const action = params.get('action')?.trim() || undefined;
  const subjectId = params.get('subjectId')?.trim() || undefined;
  const cursor = params.get('cursor') || undefined;
  const problems: string[] = [];
  if (actorId && !isUuid(actorId)) problems.push('Actor id must be a user id (uuid).');
  if (action && !ACTION.test(action)) problems.push('Action looks like "deposit.confirm" or "auth.*".');
  if (subjectId && subjectId.length > 200) problems.push('Subject id is too long.');

  let page: Awaited<ReturnType<AuditWebServices['list']>> = { items: [], nextCursor: null };
  if (problems.length === 0) {
    try {
      page = await audit.list(user, { limit: 50, cursor, actorId, action, subjectId });
    } catch (error) {
      if ((error as Error).name !== 'InvalidCursorError') throw error;
      problems.push('That page link is not valid any more; showing nothing.');
    }
  }
  // The chain check reads the whole log: run it on the first page (and on request), not on every page.
  const verify = !cursor || params.get('verify') === '1' ? await audit.verify(user) : null;

  return {
    problems,
    verify,
    nextCursor: page.nextCursor,
    items: page.items.map((e) => ({
      id: e.id,
      seq: e.seq,
      at: e.at,
      actor: e.actor ? `${e.actor.email ?? e.actor.id} (${e.actor.role})` : 'anonymous',
      action: e.action,
      subject: e.subject ? `${e.subject.type} ${e.subject.id}` : '',
      before: compact(e.before),
      after: compact(e.after),
      requestId: e.requestId ?? '',
      ip: e.ip ?? '',
      hash: e.hash,
    })),
  };
}

type AuditLogData = SerializeFrom<typeof loader>;

/** Whether the hash chain checked out (after "Verify the chain"), or the link that asks for it. */
function ChainStatus({ verify, params }: { verify: AuditLogData['verify']; params: URLSearchParams }) {
  return (
    <section className="card" aria-labelledby="chain">
      <h2 id="chain">Hash chain</h2>
      {verify ? (
        verify.valid ? (
          <p>
            <strong className="ok">Intact</strong>: {verify.entries} entries verified
            {verify.head ? (
              <>
                {' '}
                · head #{verify.head.seq}{' '}
                <code title={verify.head.hash}>{verify.head.hash.slice(0, 16)}…</code>
              </>
            ) : null}
          </p>
        ) : (
          <p role="alert">
            <strong className="error">BROKEN</strong> at entry <code>{verify.firstBrokenId}</code> (
            {verify.reason}
            ); {verify.entries - 1} entries before it verified.
          </p>
        )
      ) : (
        <p>
          <Link to={`?${new URLSearchParams({ ...Object.fromEntries(params), verify: '1' })}`}>
            Verify the chain
          </Link>
        </p>
      )}
    </section>
  );
}

function EntryTable({ items }: { items: AuditLogData['items'] }) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th className="num">#</th>
          <th>At</th>
          <th>Actor</th>
          <th>Action</th>
          <th>Subject</th>
          <th>Before</th>
          <th>After</th>
          <th>Request</th>
          <th>Hash</th>
        </tr>
      </thead>
      <tbody>
        {items.length === 0 ? (
          <tr>
            <td colSpan={9} className="muted">
              No entries.
            </td>
          </tr>
        ) : null}
        {items.map((e) => (
          <tr key={e.id}>
            <td className="num">{e.seq}</td>
            <td>{formatTime(e.at)}</td>
            <td>{e.actor}</td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>{e.subject}</td>
            <td>
              <code>{e.before}</code>
            </td>
            <td>
              <code>{e.after}</code>
            </td>
            <td className="muted" title={e.ip}>
              {e.requestId.slice(0, 12)}
            </td>
            <td>
              <code title={e.hash}>{e.hash.slice(0, 10)}…</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function AuditLog() {
  const { problems, verify, items, nextCursor } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const filters = new URLSearchParams();
  for (const key of ['actorId', 'action', 'subjectId']) {
    const value = params.get(key);
    if (value) filters.set(key, value);
  }
  return (
    <>
      <h1>Audit log</h1>
      <ChainStatus verify={verify} params={params} />

      <Form method="get" className="row card">
        <label>
          Action
          <input
            name="action"
            placeholder="auth.* or deposit.confirm"
            defaultValue={params.get('action') ?? ''}
          />
        </label>
        <label>
          Actor id
          <input name="actorId" defaultValue={params.get('actorId') ?? ''} />
        </label>
        <label>
          Subject id
          <input name="subjectId" defaultValue={params.get('subjectId') ?? ''} />
        </label>
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      {problems.map((problem) => (
        <p key={problem} className="error" role="alert">
          {problem}
        </p>
      ))}

      <EntryTable items={items} />
      {nextCursor ? (
        <p>
          <Link to={`?${new URLSearchParams({ ...Object.fromEntries(filters), cursor: nextCursor })}`}>
            Older entries →
          </Link>
        </p>
      ) : null}
    </>
  );
}
