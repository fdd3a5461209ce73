// Ids. Every id the system hands out is a UUID (PostgreSQL gen_random_uuid, node:crypto randomUUID,
// or api/idempotency.ts idempotentUuid); this is the one test of "looks like a UUID" every layer
// uses. Deliberately lax about version and variant: it answers "can this be one of our ids?", so a
// caller can answer 404 (or 400) before it reaches a query on a uuid column.

/** 8-4-4-4-12 hexadecimal digits, either case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
