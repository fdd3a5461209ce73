// Text PostgreSQL cannot hold (U+0000 anywhere; a lone UTF-16 surrogate, which has no UTF-8 form)
// made storable by replacing each such code unit with U+FFFD. Pure and deterministic, so workflow
// code may use it. The edge refuses such text (400); this is the last line behind it.

const REPLACEMENT = '\uFFFD';
/** Deep enough for any transition's data; deeper values are cut (and so reported as changed). */
const STORABLE_DEPTH_MAX = 32;

/** NUL, or a surrogate that is not half of a valid pair. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

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
