import type { LoaderFunctionArgs, MetaFunction, SerializeFrom } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import type { AuditWorkflowPage, ExecutionStatusName } from '../../../api/services/audit-workflows.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { AUDIT_READER_ROLES } from '../../../domain/roles.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Workflows · audit · clearhouse' }];

/** Temporal's execution statuses (auditing/visibility.ts EXECUTION_STATUSES). */
const EXECUTION_STATUSES: readonly ExecutionStatusName[] = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'ContinuedAsNew',
  'TimedOut',
];

const FILTERS = [
  'type',
  'status',
  'businessId',
  'clientId',
  'from',
  'to',
  'timeField',
  'executionStatus',
] as const;

/** A datetime-local value ("2026-11-22T09:30") read as UTC, as the form says. */
function utc(value: string | null): string | undefined {
  if (!value) return undefined;
  const withSeconds = /T\d{2}:\d{2}$/.test(value) ? `${value}:00` : value;
  const ms = Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(withSeconds) ? withSeconds : `${withSeconds}Z`);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

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

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, AUDIT_READER_ROLES);
  const params = new URL(request.url).searchParams;
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const problems: string[] = [];
  let page: AuditWorkflowPage = {
    items: [],
    nextCursor: null,
    sources: { filters: 'projection', execution: 'unavailable' },
  };
  try {
    page = await context.services.auditWorkflows.search(user, {
      type: text('type'),
      status: text('status')?.toUpperCase(),
      businessId: text('businessId'),
      clientId: text('clientId'),
      from: utc(text('from') ?? null),
      to: utc(text('to') ?? null),
      timeField: text('timeField') === 'closedAt' ? 'closedAt' : 'startedAt',
      executionStatus: text('executionStatus') as ExecutionStatusName | undefined,
      cursor: text('cursor'),
      limit: 50,
    });
  } catch (error) {
    const apiError = apiErrorOf(error);
    if (!apiError || apiError.status >= 500) throw error;
    const issues =
      (apiError.details as { issues?: { path: string; message: string }[] } | null)?.issues ?? [];
    problems.push(...(issues.length ? issues.map((i) => `${i.path}: ${i.message}`) : [apiError.message]));
  }
  return { page, problems };
}

type WorkflowPage = SerializeFrom<typeof loader>['page'];

export default function AuditWorkflows() {
  const { page, problems } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const filters = new URLSearchParams();
  for (const key of FILTERS) {
    const value = params.get(key);
    if (value) filters.set(key, value);
  }
  return (
    <>
      <h1>Workflows</h1>
      <SearchForm params={params} />
      {problems.map((problem) => (
        <p key={problem} className="error" role="alert">
          {problem}
        </p>
      ))}

      <WorkflowTable items={page.items} />
      {page.sources.execution === 'unavailable' ? (
        <p className="muted">Temporal did not answer: execution statuses are not shown.</p>
      ) : null}
      {page.nextCursor ? (
        <p>
          <Link to={`?${new URLSearchParams({ ...Object.fromEntries(filters), cursor: page.nextCursor })}`}>
            More →
          </Link>
        </p>
      ) : null}
    </>
  );
}

/** A real GET form: every filter stays in the URL, so a search can be bookmarked and shared. */
function SearchForm({ params }: { params: URLSearchParams }) {
  const value = (name: string) => params.get(name) ?? '';
  return (
    <Form method="get" className="card stack" aria-label="Search workflows">
      <div className="row">
        <label>
          Type
          <input name="type" placeholder="deposit" defaultValue={value('type')} list="lifecycle-types" />
          <datalist id="lifecycle-types">
            <option value="deposit" />
            <option value="withdrawal" />
            <option value="kyc" />
          </datalist>
        </label>
        <label>
          Business status
          <input name="status" placeholder="CLEARED or ON_HOLD,AML_REVIEW" defaultValue={value('status')} />
        </label>
        <label>
          Business id
          <input name="businessId" defaultValue={value('businessId')} />
        </label>
        <label>
          Client id
          <input name="clientId" defaultValue={value('clientId')} />
        </label>
      </div>
      <div className="row">
        <label>
          From (UTC)
          <input name="from" type="datetime-local" defaultValue={value('from')} />
        </label>
        <label>
          To (UTC)
          <input name="to" type="datetime-local" defaultValue={value('to')} />
        </label>
        <label>
          Time of
          <select name="timeField" defaultValue={value('timeField') || 'startedAt'}>
            <option value="startedAt">start</option>
            <option value="closedAt">close</option>
          </select>
        </label>
        <label>
          Execution status (Temporal)
          <select name="executionStatus" defaultValue={value('executionStatus')}>
            <option value="">any</option>
            {EXECUTION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </div>
      <p className="muted">
        Type, business status, business id, client and time come from the lifecycle records in PostgreSQL
        (kept forever); execution status comes from Temporal&apos;s visibility store (only while Temporal
        keeps the workflow).
      </p>
    </Form>
  );
}

function WorkflowTable({ items }: { items: WorkflowPage['items'] }) {
  return (
    <table className="grid" aria-label="Workflows found">
      <thead>
        <tr>
          <th>Started</th>
          <th>Workflow</th>
          <th>Business id</th>
          <th>Client</th>
          <th>Status</th>
          <th>Execution</th>
          <th>Closed</th>
          <th>Archive</th>
        </tr>
      </thead>
      <tbody>
        {items.length === 0 ? (
          <tr>
            <td colSpan={8} className="muted">
              No workflows match.
            </td>
          </tr>
        ) : null}
        {items.map((item) => (
          <WorkflowRow key={item.workflowId} item={item} />
        ))}
      </tbody>
    </table>
  );
}

function WorkflowRow({ item }: { item: WorkflowPage['items'][number] }) {
  return (
    <tr>
      <td>{formatTime(item.startedAt)}</td>
      <td>
        <Link to={`/audit/workflows/${encodeURIComponent(item.workflowId)}`}>{item.workflowId}</Link>
        <div className="muted">{item.type}</div>
      </td>
      <td>{item.businessId ?? '—'}</td>
      <td title={item.clientId ?? ''}>{item.clientId ? item.clientId.slice(0, 8) : '—'}</td>
      <td>{item.status ? <StatusBadge status={item.status} /> : '—'}</td>
      <td>
        {item.execution ? (
          item.execution.status
        ) : (
          <span className="muted" title="Temporal no longer has it (or did not answer)">
            —
          </span>
        )}
      </td>
      <td>{formatTime(item.closedAt)}</td>
      <td>
        {item.archive ? (
          <code title={`sha256 ${item.archive.sha256}, ${item.archive.eventCount} events`}>
            {item.archive.sha256.slice(0, 10)}…
          </code>
        ) : (
          <span className="muted">not yet</span>
        )}
      </td>
    </tr>
  );
}
