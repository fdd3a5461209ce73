import type { LoaderFunctionArgs, MetaFunction, SerializeFrom } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import type { AuditWebServices } from '../../../api/pages/audit-log.js';
import { CsvExportLink, NextPageLink, SortHeader } from '../components/ListControls.js';
import { Person } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { auditLogRequest } from '../audit-log.server.js';
import { AUDIT_READER_ROLES } from '../../../domain/roles.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Audit log · clearhouse' }];

function compact(value: unknown): string {
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, AUDIT_READER_ROLES);
  const audit = (context.services as { audit?: AuditWebServices }).audit;
  if (!audit) throw new Response('The audit log is not wired into the page services.', { status: 503 });

  const params = new URL(request.url).searchParams;
  const { problems, sort, cursor, query } = auditLogRequest(request, audit);
  let page: Awaited<ReturnType<AuditWebServices['list']>> = { items: [], nextCursor: null };
  if (problems.length === 0) {
    try {
      page = await audit.lists.page(user, { ...query, limit: 50, cursor });
    } catch (error) {
      if ((error as Error).name !== 'InvalidCursorError') throw error;
      problems.push('That page link is not valid any more; showing nothing.');
    }
  }
  // The chain check reads the whole log: run it on the first page (and on request), not on every page.
  const verify = !cursor || params.get('verify') === '1' ? await audit.verify(user) : null;

  const people = await context.services.people(page.items.map((e) => e.actor?.id));
  return {
    problems,
    verify,
    sort,
    people,
    nextCursor: page.nextCursor,
    items: page.items.map((e) => ({
      id: e.id,
      seq: e.seq,
      at: e.at,
      actor: e.actor,
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

function EntryTable({ items, people, sort }: Pick<AuditLogData, 'items' | 'people' | 'sort'>) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <SortHeader column="seq" label="#" sort={sort} numeric firstDir="desc" />
          <th scope="col">At</th>
          <SortHeader column="actor" label="Actor" sort={sort} />
          <SortHeader column="action" label="Action" sort={sort} />
          <SortHeader column="subject" label="Subject" sort={sort} />
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
          <tr key={e.id} data-audit-seq={e.seq}>
            <td className="num">{e.seq}</td>
            <td>
              <Time at={e.at} />
            </td>
            <td data-field="actor">
              {e.actor ? (
                // A person no longer on record is still named by the email the entry kept.
                people[e.actor.id] ? (
                  <Person people={people} id={e.actor.id} role={e.actor.role} />
                ) : (
                  <span className="person">
                    {e.actor.email ?? 'unknown user'}
                    <span className="muted"> · {e.actor.role.replaceAll('_', ' ')}</span>
                  </span>
                )
              ) : (
                <span className="muted">anonymous</span>
              )}
            </td>
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
  const { problems, verify, items, nextCursor, people, sort } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <>
      <div className="row between">
        <h1>Audit log</h1>
        <CsvExportLink path="/audit/log.csv" />
      </div>
      <ChainStatus verify={verify} params={params} />

      <Form method="get" className="row card" role="search">
        <label>
          Search (actor email, subject id or request id)
          <input name="q" type="search" defaultValue={params.get('q') ?? ''} maxLength={100} />
        </label>
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
        <input type="hidden" name="sort" value={sort.column} />
        <input type="hidden" name="dir" value={sort.dir} />
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      {problems.map((problem) => (
        <p key={problem} className="error" role="alert">
          {problem}
        </p>
      ))}

      <EntryTable items={items} people={people} sort={sort} />
      <NextPageLink cursor={nextCursor} />
    </>
  );
}
