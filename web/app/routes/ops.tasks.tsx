import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useRevalidator, useSearchParams } from '@remix-run/react';
import { useEffect } from 'react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { shortAge } from '../amounts.js';
import { Person } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { requireUser } from '../session.server.js';
import { TASK_KIND_LABELS as KIND_LABELS, taskSubjectPath } from '../task-links.js';

export const meta: MetaFunction = () => [{ title: 'Task inbox · clearhouse' }];

const STAFF = ['operations', 'aml_officer', 'admin'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, STAFF);
  const params = new URL(request.url).searchParams;
  const page = await context.services.tasks.list(user, {
    kind: params.get('kind') || undefined,
    assignee: params.get('assignee') === 'me' ? 'me' : undefined,
    cursor: params.get('cursor') || undefined,
    limit: 100,
  });
  const people = await context.services.people(page.items.map((task) => task.assignee));
  return { page, people, me: user.id, now: new Date().toISOString() };
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
  const { page, people, me, now } = useLoaderData<typeof loader>();
  useInboxRefresh();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <>
      <h1>Task inbox</h1>
      <Form method="get" className="row card">
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
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <ActionMessage result={result} />
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Subject</th>
            <th scope="col">Age</th>
            <th scope="col">Due</th>
            <th scope="col">Assignee</th>
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
                <td>{KIND_LABELS[task.kind] ?? task.kind}</td>
                <td>
                  <Link to={taskSubjectPath(task.subjectType, task.subjectId)}>
                    {task.summary ?? task.subjectId}
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
    </>
  );
}
