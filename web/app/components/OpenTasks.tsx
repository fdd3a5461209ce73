import { taskKindLabel } from '../task-links.js';
import { Person, type People } from './Person.js';
import { Time } from './Time.js';

interface OpenTask {
  id: string;
  kind: string;
  status: string;
  assignee: string | null;
  createdAt: string;
  dueAt: string | null;
}

/** A lifecycle's live tasks on its page: what is waiting, for whom, and whether it is late. */
export function OpenTasks({
  tasks,
  people,
  nowMs,
}: {
  tasks: readonly OpenTask[];
  people: People;
  nowMs: number;
}) {
  if (tasks.length === 0) return null;
  return (
    <>
      <h2>Open tasks</h2>
      <ul className="plain">
        {tasks.map((task) => {
          const overdue = task.dueAt !== null && Date.parse(task.dueAt) < nowMs;
          return (
            <li key={task.id} className={overdue ? 'overdue' : undefined}>
              {taskKindLabel(task.kind)} ·{' '}
              {task.assignee ? (
                <>
                  claimed by <Person people={people} id={task.assignee} />
                </>
              ) : (
                'unclaimed'
              )}
              {task.dueAt ? (
                <>
                  {' '}
                  · due <Time at={task.dueAt} />
                  {overdue ? <strong> (overdue)</strong> : null}
                </>
              ) : null}
            </li>
          );
        })}
      </ul>
    </>
  );
}
