// Opaque keyset cursors for the lifecycle and task lists: base64url of a small JSON array.

/** A cursor this module did not issue (API: 400 validation_failed). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor(readonly cursor: string) {
    super('this cursor was not issued by this list');
  }
}

export function encodeCursor(kind: string, values: (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...values]), 'utf8').toString('base64url');
}

/** The values of a cursor of `kind` whose element types match `shape` ('s' string, 'n' number). */
export function decodeCursor(
  kind: string,
  cursor: string,
  shape: readonly ('s' | 'n')[],
): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(cursor);
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind || parsed.length !== shape.length + 1) {
    throw new InvalidCursorError(cursor);
  }
  const values = parsed.slice(1) as unknown[];
  values.forEach((value, i) => {
    const ok =
      shape[i] === 's' ? typeof value === 'string' : typeof value === 'number' && Number.isFinite(value);
    if (!ok) throw new InvalidCursorError(cursor);
  });
  return values as (string | number)[];
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

/** The API's ?limit= rule: default 50, at most 200, at least 1. */
export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
