import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { formatTime } from '../components/Timeline.js';
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
  return { page, me: user.id, now: new Date().toISOString() };
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

function age(fromIso: string, nowIso: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(nowIso) - Date.parse(fromIso)) / 60000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}

export default function TaskInbox() {
  const { page, me, now } = useLoaderData<typeof loader>();
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
            <th>Task</th>
            <th>Subject</th>
            <th>Age</th>
            <th>Due</th>
            <th>Status</th>
            <th />
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
              <tr key={task.id} data-task-kind={task.kind} data-subject-id={task.subjectId}>
                <td>{KIND_LABELS[task.kind] ?? task.kind}</td>
                <td>
                  <Link to={taskSubjectPath(task.subjectType, task.subjectId)}>
                    {task.summary ?? task.subjectId}
                  </Link>
                </td>
                <td>{age(task.createdAt, now)}</td>
                <td className={task.overdue ? 'overdue' : undefined}>
                  {formatTime(task.dueAt)}
                  {task.overdue ? ' (overdue)' : ''}
                </td>
                <td>
                  {task.status === 'claimed'
                    ? task.assignee === me
                      ? 'claimed by you'
                      : 'claimed by a colleague'
                    : 'open'}
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
