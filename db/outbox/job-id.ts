// Job ids of the notification queues, in a module of its own so that the API can name a job without
// loading BullMQ (db/outbox/shared-queues.ts).

/** A BullMQ job id may not contain ':'; ours are uuids joined by '.'. */
export function jobId(...parts: string[]): string {
  const id = parts.join('.');
  if (id.includes(':')) throw new Error(`a job id may not contain ':' (${id})`);
  return id;
}
