import {
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
  type SerializeFrom,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useRevalidator, useSearchParams } from '@remix-run/react';
import { useEffect } from 'react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { shortAge } from '../amounts.js';
import { Person } from '../components/Person.js';
import { RichText } from '../components/RichText.js';
import { Time } from '../components/Time.js';
import { CsvExportLink, NextPageLink, SortHeader } from '../components/ListControls.js';
import { requireUser } from '../session.server.js';
import { inboxRequest } from '../task-inbox.server.js';
import { TASK_KIND_LABELS as KIND_LABELS, taskKindLabel, taskSubjectPath } from '../task-links.js';
import { idsMentioned } from '../text-tokens.js';

export const meta: MetaFunction = () => [{ title: 'Task inbox · clearhouse' }];

const STAFF = ['operations', 'aml_officer', 'admin'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, STAFF);
  const tasks = context.services.tasks;
  const inbox = inboxRequest(request, tasks, user);
  const [page, counts] = await Promise.all([inbox.read(inbox.cursor, 100), tasks.lists.counts(user)]);
  // Assignees, and the people summaries name by id ("first approved by <id>"), shown by name.
  const people = await context.services.people([
    ...page.items.map((task) => task.assignee),
    ...idsMentioned(page.items.map((task) => task.summary)),
  ]);
  return { page, counts, sort: inbox.sort, people, me: user.id, now: new Date().toISOString() };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, STAFF);
  const form = await request.formData();
  const taskId = String(form.get('taskId') ?? '');
  if (form.get('intent') === 'release')
    return attempt(() => context.services.tasks.release(user, taskId), 'Task released.');
  return attempt(
    () => context.services.tasks.claim(user, taskId),
    'Task claimed: it is yours until you release it.',
  );
}

/** How often an open inbox reloads its rows (and the navigation's counts) while visible. */
const REFRESH_MS = 15_000;

/** Live inbox: with JavaScript the rows refresh on an interval and whenever the tab gets focus. */
function useInboxRefresh() {
  const revalidator = useRevalidator();
  useEffect(() => {
    const refresh = () => {
      if (document.visibilityState === 'visible' && revalidator.state === 'idle') revalidator.revalidate();
    };
    const timer = setInterval(refresh, REFRESH_MS);
    window.addEventListener('focus', refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
    };
  }, [revalidator]);
}

export default function TaskInbox() {
  const { page, counts, sort, people, me, now } = useLoaderData<typeof loader>();
  useInboxRefresh();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  // In the inbox's own order no single column is the sorted one.
  const shown = sort ?? { column: '', dir: 'asc' as const };
  return (
    <>
      <div className="row between">
        <h1>Task inbox</h1>
        <CsvExportLink path="/ops/tasks.csv" />
      </div>
      <InboxCounts counts={counts} />
      <Form method="get" className="row card" role="search">
        <label>
          Search (summary, reference, client or id)
          <input name="q" type="search" defaultValue={params.get('q') ?? ''} maxLength={100} />
        </label>
        <label>
          Kind
          <select name="kind" defaultValue={params.get('kind') ?? ''}>
            <option value="">All kinds</option>
            {Object.entries(KIND_LABELS).map(([kind, label]) => (
              <option key={kind} value={kind}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Assignee
          <select name="assignee" defaultValue={params.get('assignee') ?? ''}>
            <option value="">Anyone</option>
            <option value="me">Claimed by me</option>
          </select>
        </label>
        {sort ? (
          <>
            <input type="hidden" name="sort" value={sort.column} />
            <input type="hidden" name="dir" value={sort.dir} />
          </>
        ) : null}
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <ActionMessage result={result} />
      <p className="muted" aria-live="polite">
        {page.items.length} shown · {sort ? 'in the order of the column marked' : 'most urgent first'}
      </p>
      <table className="grid">
        <thead>
          <tr>
            <SortHeader column="kind" label="Task" sort={shown} />
            <SortHeader column="subject" label="Subject" sort={shown} />
            <SortHeader column="created" label="Age" sort={shown} />
            <SortHeader column="due" label="Due" sort={shown} />
            <SortHeader column="assignee" label="Assignee" sort={shown} />
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                Nothing waiting for you.
              </td>
            </tr>
          ) : (
            page.items.map((task) => (
              <tr
                key={task.id}
                data-task-kind={task.kind}
                data-subject-id={task.subjectId}
                className={task.overdue ? 'overdue' : undefined}
              >
                <td>{taskKindLabel(task.kind)}</td>
                <td>
                  <Link to={taskSubjectPath(task.subjectType, task.subjectId)}>
                    {task.summary ? <RichText text={task.summary} people={people} /> : task.subjectId}
                  </Link>
                </td>
                <td>{shortAge(task.createdAt, Date.parse(now))}</td>
                <td>
                  {task.dueAt ? <Time at={task.dueAt} /> : '—'}
                  {task.overdue ? <strong> (overdue)</strong> : ''}
                </td>
                <td data-field="assignee">
                  {task.status === 'claimed' ? (
                    task.assignee === me ? (
                      'claimed by you'
                    ) : (
                      <Person people={people} id={task.assignee} />
                    )
                  ) : (
                    <span className="muted">open</span>
                  )}
                </td>
                <td>
                  <Form method="post" className="row">
                    <input type="hidden" name="taskId" value={task.id} />
                    {task.status === 'open' ? (
                      <button type="submit" name="intent" value="claim">
                        Claim
                      </button>
                    ) : task.assignee === me ? (
                      <button type="submit" name="intent" value="release" className="secondary">
                        Release
                      </button>
                    ) : null}
                    <Link to={taskSubjectPath(task.subjectType, task.subjectId)}>Open</Link>
                  </Form>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} />
    </>
  );
}

/** Live tasks per kind (links that filter the inbox), the overdue ones and the viewer's own. */
function InboxCounts({ counts }: { counts: SerializeFrom<typeof loader>['counts'] }) {
  const [params] = useSearchParams();
  const linkTo = (key: 'kind' | 'assignee', value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('cursor');
    return `?${next}`;
  };
  const kind = params.get('kind') ?? '';
  return (
    <nav className="status-counts" aria-label="Counts per kind" data-testid="inbox-counts">
      <Link to={linkTo('kind', '')} aria-current={kind === '' ? 'page' : undefined}>
        All <span className="count">{counts.live.toLocaleString('en')}</span>
      </Link>
      {Object.entries(counts.byKind).map(([k, n]) => (
        <Link key={k} to={linkTo('kind', k)} aria-current={kind === k ? 'page' : undefined} data-kind={k}>
          {taskKindLabel(k)} <span className="count">{n.toLocaleString('en')}</span>
        </Link>
      ))}
      <Link to={linkTo('assignee', 'me')} aria-current={params.get('assignee') === 'me' ? 'page' : undefined}>
        Mine <span className="count">{counts.mine.toLocaleString('en')}</span>
      </Link>
      {counts.overdue > 0 ? (
        <strong className="overdue" data-testid="overdue-count">
          {counts.overdue.toLocaleString('en')} overdue
        </strong>
      ) : null}
    </nav>
  );
}
