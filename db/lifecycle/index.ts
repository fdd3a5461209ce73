// The lifecycle read model (tables lifecycle, lifecycle_event, task), read by the API. Only the
// recordTransition activity writes lifecycles and events; people change tasks only by claiming and
// releasing them here.
export { InvalidCursorError, DEFAULT_LIMIT, MAX_LIMIT, type Page } from './cursor.js';
export {
  getLifecycle,
  getLifecycleByBusinessId,
  getLifecyclesByBusinessIds,
  listLifecycles,
  listLifecyclesWithTransitions,
  type LifecycleDetail,
  type LifecycleEvent,
  type LifecycleSummary,
  type LifecycleSummaryWithTransitions,
  type ListLifecyclesInput,
} from './lifecycles.js';
export {
  LIVE_TASK_STATUSES,
  claimTask,
  getTask,
  listTasks,
  releaseTask,
  taskSubjects,
  type ListTasksInput,
  type Task,
  type TaskActor,
  type TaskChangeResult,
  type TaskRefusalCode,
  type TaskStatus,
  type TaskSubject,
} from './tasks.js';
export {
  listenForLifecycleNotifications,
  type LifecycleListener,
  type LifecycleNotificationHandlers,
} from './notifications.js';
