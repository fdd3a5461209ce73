// /ops/tasks.csv: the task inbox with the filters, search and sort in effect, every page of it. The
// summary is written as the inbox shows it (people by name, amounts grouped with their asset), in
// plain text.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { allPages, csvResponse } from '../csv.server.js';
import { peopleOfRows } from '../people.server.js';
import { plainText } from '../plain-text.js';
import { requireUser } from '../session.server.js';
import { inboxRequest } from '../task-inbox.server.js';
import { taskKindLabel } from '../task-links.js';
import { idsMentioned } from '../text-tokens.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin']);
  const { read } = inboxRequest(request, context.services.tasks, user);
  const { items } = await allPages((cursor) => read(cursor, 200));
  // Assignees, and the people summaries name by id ("first approved by <id>"), by name.
  const people = await peopleOfRows(context.services.people, [
    ...items.map((task) => task.assignee),
    ...idsMentioned(items.map((task) => task.summary)),
  ]);
  return csvResponse(
    'tasks.csv',
    [
      'id',
      'kind',
      'task',
      'subject_type',
      'subject_id',
      'summary',
      'status',
      'priority',
      'created_at',
      'due_at',
      'overdue',
      'assignee_email',
    ],
    items.map((task) => [
      task.id,
      task.kind,
      taskKindLabel(task.kind),
      task.subjectType,
      task.subjectId,
      task.summary ? plainText(task.summary, people) : '',
      task.status,
      task.priority,
      task.createdAt,
      task.dueAt ?? '',
      task.overdue ? 'yes' : 'no',
      task.assignee ? (people[task.assignee]?.email ?? '') : '',
    ]),
  );
}
