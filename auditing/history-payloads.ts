// Reading the values inside a Temporal event history (proto3 JSON): payloads, summaries, actors,
// times, durations and failures, each rendered as the short text a timeline step shows. Pure.

export type Json = Record<string, unknown>;

export interface StepActor {
  id: string;
  role: string | null;
}

function fromBase64(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  try {
    return Buffer.from(text, 'base64').toString('utf8');
  } catch {
    return null;
  }
}

/** A payload's value when it is JSON (json/plain) or null (binary/null); otherwise a placeholder. */
export function decodePayload(payload: unknown): unknown {
  const p = (payload ?? {}) as { metadata?: Record<string, string>; data?: string };
  const encoding = fromBase64(p.metadata?.encoding);
  if (encoding === 'binary/null') return null;
  if (encoding === 'json/plain') {
    const text = fromBase64(p.data ?? '');
    try {
      return text === null ? null : JSON.parse(text);
    } catch {
      return text;
    }
  }
  return `(${encoding ?? 'unknown'} payload)`;
}

/** Every payload of a `{ payloads: [...] }` container, decoded. */
export function payloads(container: unknown): unknown[] {
  const list = (container as { payloads?: unknown[] } | undefined)?.payloads;
  return Array.isArray(list) ? list.map(decodePayload) : [];
}

/** The summary a workflow gave the event (activity, timer, start), when it is text. */
export function summaryOf(event: Json): string | null {
  const summary = (event.userMetadata as { summary?: unknown } | undefined)?.summary;
  if (!summary) return null;
  const value = decodePayload(summary);
  return typeof value === 'string' ? value : null;
}

/** A compact one-line rendering of a value for the details list (long values are cut). */
export function compactValue(value: unknown, max = 300): string {
  let text: string;
  if (value === undefined) text = '';
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Arguments as one value: the only argument itself, several as a list. */
export function compactArgs(args: unknown[]): string {
  return compactValue(args.length === 1 ? args[0] : args);
}

function isActor(value: unknown): value is { id: string; role: string } {
  const v = value as { id?: unknown; role?: unknown } | null;
  return !!v && typeof v === 'object' && typeof v.id === 'string' && typeof v.role === 'string';
}

/** The person an Update/Signal/start carries: `args[0].actor` (or `requestedBy` for a start). */
export function actorFromArgs(args: unknown[]): StepActor | null {
  const first = args[0] as Record<string, unknown> | undefined;
  if (!first || typeof first !== 'object') return null;
  for (const key of ['actor', 'requestedBy']) {
    const candidate = first[key];
    if (isActor(candidate)) return { id: candidate.id, role: candidate.role };
  }
  return null;
}

/** "2026-11-22T14:41:49.206495371Z" → "2026-11-22T14:41:49.206Z". */
export function eventTime(event: Json): string {
  const raw = typeof event.eventTime === 'string' ? event.eventTime : '';
  const ms = Date.parse(raw.replace(/(\.\d{3})\d+Z$/, '$1Z'));
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString();
}

/** The time between two ISO instants, in the largest unit that reads well. */
export function durationText(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Proto duration "1.500s" → "1.5 s". */
export function protoDuration(value: unknown): string {
  if (typeof value !== 'string') return '';
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value);
  if (!match) return value;
  const seconds = Number(match[1]);
  if (seconds < 120) return `${Number(seconds.toFixed(1))} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

/** "type: message (cause: ...)" of a Temporal failure and its causes. */
export function failureText(failure: unknown): string {
  const f = failure as
    { message?: string; applicationFailureInfo?: { type?: string }; cause?: unknown } | undefined;
  if (!f) return '';
  const type = f.applicationFailureInfo?.type;
  const own = `${type ? `${type}: ` : ''}${f.message ?? ''}`;
  const cause = f.cause ? failureText(f.cause) : '';
  return cause && cause !== own ? `${own} (cause: ${cause})` : own;
}

/** "RETRY_STATE_NON_RETRYABLE_FAILURE" with prefix "RETRY_STATE_" → "non retryable failure". */
export function shortEnum(value: unknown, prefix: string): string {
  return typeof value === 'string' ? value.replace(prefix, '').toLowerCase().replaceAll('_', ' ') : '';
}

/** The event's `…EventAttributes` object (empty when it has none). */
export function attributesOf(event: Json): Json {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes'));
  return ((key && event[key]) ?? {}) as Json;
}

/** An event id (proto3 JSON writes int64 as a string). */
export function idOf(value: unknown): number {
  return typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
}

/** The workflow's `{ status }` result or Update outcome, when it has one. */
export function statusOf(value: unknown): string | null {
  return value && typeof value === 'object' && 'status' in value
    ? String((value as { status: unknown }).status)
    : null;
}
