// Canonical JSON: one text for one value, whatever order its members were built in. Hashed by the
// ledger (payload_hash), the history archive (sha256) and the idempotency records (request_hash), so
// the output is frozen: changing a byte makes stored hashes stop matching.
//
// The rules (they are what `JSON.stringify` of a key-sorted copy produced before this module existed):
// - object members sorted by name (UTF-16 code units), except that names which are array indices
//   ("0", "7", "42") come first in ascending numeric order, as JavaScript objects order them; members
//   whose value is `undefined` are dropped, and so is a member named "__proto__";
// - arrays keep their order (transfer order is part of a payload); `undefined` items are `null`;
// - bigints are decimal strings, dates ISO strings; strings, finite numbers, booleans and null as
//   JSON.stringify writes them; anything else (NaN, Infinity, functions, symbols, cycles) throws.
// No recursion: a value nested 40,000 levels deep is written (or refused) without exhausting the stack.

interface Frame {
  container: object;
  close: ']' | '}';
  /** Member names for an object, null for an array. */
  keys: string[] | null;
  length: number;
  next: number;
}

/** Array indices: canonical decimal integers below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  return /^(0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

function memberOrder(a: string, b: string): number {
  const ai = isArrayIndex(a);
  const bi = isArrayIndex(b);
  if (ai && bi) return Number(a) - Number(b);
  if (ai !== bi) return ai ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function memberNames(value: object): string[] {
  const record = value as Record<string, unknown>;
  return Object.keys(value)
    .filter((key) => key !== '__proto__' && record[key] !== undefined)
    .sort(memberOrder);
}

/** The JSON text of a scalar, or null when `value` is a container the caller must open. */
function scalarText(value: unknown): string | null {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('non-finite number in canonical JSON');
      return JSON.stringify(value);
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new TypeError('invalid date in canonical JSON');
        return JSON.stringify(value.toISOString());
      }
      return null;
    default:
      throw new TypeError(`unsupported ${typeof value} in canonical JSON`);
  }
}

export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  const frames: Frame[] = [];
  const open = new Set<object>();

  const write = (item: unknown): void => {
    const text = scalarText(item);
    if (text !== null) {
      parts.push(text);
      return;
    }
    const container = item as object;
    if (open.has(container)) throw new TypeError('circular structure in canonical JSON');
    open.add(container);
    const keys = Array.isArray(container) ? null : memberNames(container);
    parts.push(keys ? '{' : '[');
    const length = keys ? keys.length : (container as unknown[]).length;
    frames.push({ container, close: keys ? '}' : ']', keys, length, next: 0 });
  };

  write(value);
  // Every round writes one member or closes one container, so the loop ends after each node is seen once.
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    if (frame.next === frame.length) {
      parts.push(frame.close);
      frames.pop();
      open.delete(frame.container);
      continue;
    }
    const index = frame.next++;
    if (index > 0) parts.push(',');
    if (frame.keys) {
      const key = frame.keys[index]!;
      parts.push(`${JSON.stringify(key)}:`);
      write((frame.container as Record<string, unknown>)[key]);
    } else {
      const item = (frame.container as unknown[])[index];
      write(item === undefined ? null : item);
    }
  }
  return parts.join('');
}
