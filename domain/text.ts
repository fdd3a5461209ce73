// Text that the system accepts and stores. PostgreSQL cannot hold a NUL (U+0000) in text or jsonb, and
// jsonb refuses a lone UTF-16 surrogate ("unsupported Unicode escape sequence"); an activity writing
// such a string retries forever. The edge (api/validate.ts textField) refuses both, and every other
// control character but tab and (in multi-line fields) newline; `assertStorableJson` is the last line
// of defence for code that writes values it did not validate itself.

/** A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// C0 controls, DEL and C1 controls. Tab is always allowed; LF and CR (browsers send CRLF from a
// <textarea>) only in multi-line fields.
const CONTROL_SINGLE_LINE = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/;
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export interface TextProblem {
  code: 'invalid_unicode' | 'control_character';
  message: string;
}

/** Why `text` is not acceptable free text, or null when it is. */
export function textProblem(text: string, options: { multiline?: boolean } = {}): TextProblem | null {
  if (LONE_SURROGATE.test(text)) {
    return { code: 'invalid_unicode', message: 'must be valid Unicode text (it contains a lone surrogate)' };
  }
  const control = options.multiline ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE;
  const found = control.exec(text);
  if (found) {
    const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    const allowed = options.multiline ? 'tab and newline' : 'tab';
    return {
      code: 'control_character',
      message: `must not contain control characters other than ${allowed} (found U+${code})`,
    };
  }
  return null;
}

/** Whether PostgreSQL can store `text` unchanged in a text or jsonb column: no NUL, no lone surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

export class UnstorableValueError extends TypeError {
  constructor(
    message: string,
    /** Where in the value: `$.note`, `$.items[2]`. */
    readonly path: string,
  ) {
    super(`${message} at ${path}`);
    this.name = 'UnstorableValueError';
  }
}

/** Nesting beyond this is refused by assertStorableJson (the API refuses bodies deeper than 32). */
export const MAX_STORABLE_DEPTH = 64;

/**
 * Throws UnstorableValueError unless every string in `value` (member names included) is storable
 * text and it nests at most MAX_STORABLE_DEPTH levels. Iterative, so any depth is safe to check.
 * Call it before writing a value to jsonb: `assertStorableJson(payload)`.
 */
export function assertStorableJson(value: unknown): void {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: '$', depth: 0 }];
  // Each round removes one item and adds its children: the loop ends after every node is seen once.
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (typeof item.value === 'string') {
      if (!isStorableText(item.value)) throw new UnstorableValueError('NUL or lone surrogate', item.path);
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null || item.value instanceof Date) continue;
    if (item.depth >= MAX_STORABLE_DEPTH) {
      throw new UnstorableValueError(`nested deeper than ${MAX_STORABLE_DEPTH} levels`, item.path);
    }
    const depth = item.depth + 1;
    if (Array.isArray(item.value)) {
      item.value.forEach((child, index) =>
        pending.push({ value: child, path: `${item.path}[${index}]`, depth }),
      );
      continue;
    }
    for (const [key, child] of Object.entries(item.value)) {
      const path = `${item.path}.${isStorableText(key) ? key : JSON.stringify(key)}`;
      if (!isStorableText(key))
        throw new UnstorableValueError('NUL or lone surrogate in a member name', path);
      pending.push({ value: child, path, depth });
    }
  }
}

// ---- making text storable (workflows/lifecycle.ts, when an activity refused its input) ----------

/** The failure type of an activity whose input PostgreSQL can never store (activities/unstorable.ts). */
export const UNSTORABLE_DATA = 'unstorable_data';

const REPLACEMENT = '\uFFFD';
/** Deep enough for any transition's data; deeper values are cut (and so reported as changed). */
const STORABLE_DEPTH_MAX = 32;

/** NUL, or a surrogate that is not half of a valid pair (LONE_SURROGATE, everywhere). */
const UNSTORABLE = new RegExp(`\\u0000|${LONE_SURROGATE.source}`, 'g');

/**
 * Text PostgreSQL cannot hold made storable by replacing each NUL or lone surrogate with U+FFFD.
 * Pure and deterministic, so workflow code may use it: the last line behind the edge's 400.
 */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, REPLACEMENT);
}

export interface StorableCopy<T> {
  value: T;
  /** Dotted paths of the strings (or keys) that had to change; empty when the value was storable. */
  changed: string[];
}

/** A copy of `value` (plain JSON data) in which every string and key is storable. */
export function storableCopy<T>(value: T): StorableCopy<T> {
  const changed: string[] = [];
  const copy = (item: unknown, path: string, depth: number): unknown => {
    if (typeof item === 'string') {
      const text = storableText(item);
      if (text !== item) changed.push(path || '.');
      return text;
    }
    if (item === null || typeof item !== 'object') return item;
    if (depth >= STORABLE_DEPTH_MAX) {
      changed.push(path || '.');
      return null;
    }
    if (Array.isArray(item)) return item.map((element, i) => copy(element, `${path}[${i}]`, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, element] of Object.entries(item as Record<string, unknown>)) {
      const safeKey = storableText(key);
      const childPath = path ? `${path}.${safeKey}` : safeKey;
      if (safeKey !== key) changed.push(childPath);
      out[safeKey] = copy(element, childPath, depth + 1);
    }
    return out;
  };
  return { value: copy(value, '', 0) as T, changed };
}
