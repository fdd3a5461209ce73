// One fuzz run: every operation of /api/v1/openapi.json, as every role and as nobody, with generated
// requests (scripts/fuzz/arbitraries.ts) — valid and broken bodies, malformed JSON, a wrong content
// type, ids that are not ids, odd query strings. Each answer must be below 500, every error in the
// contract's shape ({ error: { code, message, details } }), and a 4xx must change nothing: the rows
// of the business tables and the ledger's totals are the same before and after. Used by `npm run
// fuzz` (scripts/fuzz.ts) and tests/fuzz.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import {
  bodyCase,
  pathParamCase,
  queryValueCase,
  resolve,
  type Components,
  type Schema,
} from './arbitraries.js';

export interface FuzzOptions {
  baseUrl: string;
  pool: pg.Pool;
  /** A fresh access token for each role name (called again after a case signed a session out). */
  signIn: () => Promise<Record<string, string | null>>;
  seed: number;
  /** Generated requests per operation and role. */
  casesPerOperation: number;
  /** Stop generating after this time (the cases so far still count). */
  deadline?: number;
  log?: (line: string) => void;
}

export interface FuzzViolation {
  operation: string;
  role: string;
  request: string;
  problem: string;
}

export interface FuzzReport {
  operations: number;
  requests: number;
  byStatus: Map<number, number>;
  violations: FuzzViolation[];
}

/**
 * A 4xx that is allowed to leave a trace, by contract: a pre-trade refusal keeps the order as
 * REJECTED (API.md "Orders"), and failed sign-ins are counted for throttling.
 */
const STATE_ON_REFUSAL: Record<string, (status: number) => boolean> = {
  'POST /orders': (status) => status === 422,
};

/** Streams answer forever; they are exercised by their own tests. */
// Server-sent event streams never end (…/events, …/stream, …/maker-stream): nothing to fuzz.
const SKIPPED = (path: string) => /\/events$|[/-]stream$/.test(path);

const SNAPSHOT_SQL = `SELECT
  (SELECT count(*) FROM lifecycle)::text AS lifecycles,
  (SELECT count(*) FROM lifecycle_event)::text AS lifecycle_events,
  (SELECT count(*) FROM task)::text AS tasks,
  (SELECT count(*) FROM task WHERE status IN ('open', 'claimed'))::text AS open_tasks,
  (SELECT count(*) FROM journal_entry)::text AS journal_entries,
  (SELECT coalesce(sum(debits_posted::numeric + credits_posted + debits_pending + credits_pending), 0) FROM ledger_account)::text AS ledger_totals,
  (SELECT count(*) FROM ledger_account)::text AS ledger_accounts,
  (SELECT count(*) FROM bank_account)::text AS bank_accounts,
  (SELECT count(*) FROM kyc_document)::text AS kyc_documents,
  (SELECT count(*) FROM venue_order)::text AS venue_orders,
  (SELECT count(*) FROM trade)::text AS trades,
  (SELECT count(*) FROM app_user)::text AS users,
  (SELECT count(*) FROM webhook_endpoint)::text AS webhooks,
  (SELECT count(*) FROM notification WHERE read_at IS NOT NULL)::text AS read_notifications,
  (SELECT count(*) FROM audit_log WHERE action NOT LIKE 'auth.%')::text AS audit_actions`;

async function snapshot(pool: pg.Pool): Promise<Record<string, string>> {
  const { rows } = await pool.query<Record<string, string>>(SNAPSHOT_SQL);
  return rows[0] ?? {};
}

/** After a change: wait until what it started (workflows, the outbox) has stopped moving. */
async function quiet(pool: pg.Pool): Promise<Record<string, string>> {
  let last = await snapshot(pool);
  for (let i = 0; i < 15; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await snapshot(pool);
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  return last;
}

function differences(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before)
    .filter((key) => before[key] !== after[key])
    .map((key) => `${key} ${before[key]} → ${after[key]}`);
}

interface Operation {
  method: string;
  path: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec: Record<string, any>;
}

type Case = {
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | FormData | undefined;
  describe: string;
};

function caseArbitrary(op: Operation, components: Components): fc.Arbitrary<Case> {
  const parameters: Schema[] = (op.spec.parameters ?? []).map((p: Schema) => resolve(p, components));
  const pathParams = parameters.filter((p) => p.in === 'path');
  const queryParams = parameters.filter((p) => p.in === 'query');
  const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const pathArb = fc.tuple(
    ...names.map((name) => pathParamCase(name, pathParams.find((p) => p.name === name)?.schema, components)),
  );
  const queryArb = fc.tuple(...queryParams.map((q) => queryValueCase(q.schema, components)));
  const content = op.spec.requestBody?.content ?? {};
  const jsonSchema = content['application/json']?.schema as Schema | undefined;
  const multipart = Boolean(content['multipart/form-data']);
  const bodyKind = fc.oneof(
    { weight: 6, arbitrary: fc.constant('json') },
    { weight: 1, arbitrary: fc.constant('malformed') },
    { weight: 1, arbitrary: fc.constant('wrong_content_type') },
  );
  return fc
    .tuple(pathArb, queryArb, bodyCase(jsonSchema, components), bodyKind, fc.boolean())
    .map(([ids, queries, body, kind, sameKey]) => {
      let path = op.path;
      names.forEach((name, i) => (path = path.replace(`{${name}}`, encodeURIComponent(ids[i]!))));
      const search = new URLSearchParams();
      queryParams.forEach((q, i) => {
        const value = queries[i];
        if (value !== null && value !== undefined) search.set(String(q.name), value);
      });
      const headers: Record<string, string> = {
        'idempotency-key': sameKey ? 'fuzz-fixed-key' : `fuzz-${randomUUID()}`,
      };
      let text: string | FormData | undefined;
      let describe = `${body.mutation} body`;
      if (op.method === 'GET' || op.method === 'DELETE') text = undefined;
      else if (multipart) {
        const form = new FormData();
        form.append('type', 'passport');
        form.append('file', new Blob([JSON.stringify(body.body)], { type: 'text/plain' }), 'x.txt');
        text = form;
        describe = 'multipart with a text file';
      } else if (kind === 'malformed') {
        headers['content-type'] = 'application/json';
        text = '{"amount": "1.00", ';
        describe = 'malformed JSON';
      } else if (kind === 'wrong_content_type') {
        headers['content-type'] = 'text/plain';
        text = JSON.stringify(body.body ?? {});
        describe = 'JSON sent as text/plain';
      } else {
        headers['content-type'] = 'application/json';
        text = JSON.stringify(body.body ?? null);
      }
      return { path, query: search.toString(), headers, body: text, describe };
    });
}

function contractShaped(status: number, contentType: string, text: string): string | null {
  if (status < 400) return null;
  if (!contentType.includes('application/json')) return `a ${status} answered as ${contentType || 'nothing'}`;
  try {
    const body = JSON.parse(text);
    const keys = Object.keys(body ?? {});
    if (keys.length !== 1 || keys[0] !== 'error') return `a ${status} body with keys ${keys.join(', ')}`;
    const e = body.error;
    if (typeof e?.code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(e.code))
      return `error.code ${JSON.stringify(e?.code)}`;
    if (typeof e.message !== 'string' || e.message.length === 0) return 'error.message missing';
    if (!('details' in e)) return 'error.details missing';
    return null;
  } catch {
    return `a ${status} body that is not JSON`;
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => undefined);
  const docAnswer = await fetch(`${options.baseUrl}/api/v1/openapi.json`);
  if (docAnswer.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${docAnswer.status}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const doc = (await docAnswer.json()) as any;
  const components: Components = doc.components?.schemas ?? {};
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<Record<string, unknown>>(doc.paths ?? {})) {
    if (SKIPPED(path)) continue;
    for (const [method, spec] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operations.push({ method: method.toUpperCase(), path, spec: spec as Operation['spec'] });
    }
  }
  if (operations.length === 0) throw new Error('the OpenAPI document lists no operation');

  const report: FuzzReport = {
    operations: operations.length,
    requests: 0,
    byStatus: new Map(),
    violations: [],
  };
  let tokens = await options.signIn();
  const roles = Object.keys(tokens);
  let index = 0;
  for (const op of operations) {
    const name = `${op.method} ${op.path}`;
    const samples = fc.sample(caseArbitrary(op, components), {
      numRuns: options.casesPerOperation * roles.length,
      seed: options.seed + index,
    });
    index += 1;
    for (let i = 0; i < samples.length; i += 1) {
      if (options.deadline && Date.now() > options.deadline) break;
      const role = roles[i % roles.length]!;
      const c = samples[i]!;
      const token = tokens[role];
      const headers = { ...c.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
      const mutating = op.method !== 'GET';
      const before = mutating ? await snapshot(options.pool) : null;
      const url = `${options.baseUrl}/api/v1${c.path}${c.query ? `?${c.query}` : ''}`;
      const where = `${op.method} ${c.path}${c.query ? `?${c.query.slice(0, 120)}` : ''} (${c.describe})`;
      let status = 0;
      let text = '';
      let contentType = '';
      try {
        // A bound on every request: an answer that never ends is a violation, not a hung run.
        const response = await fetch(url, {
          method: op.method,
          headers,
          body: c.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(15_000),
        });
        status = response.status;
        contentType = response.headers.get('content-type') ?? '';
        text = await response.text();
      } catch (error) {
        report.violations.push({
          operation: name,
          role,
          request: where,
          problem: `no answer: ${(error as Error).message}`,
        });
        continue;
      }
      report.requests += 1;
      report.byStatus.set(status, (report.byStatus.get(status) ?? 0) + 1);
      const violation = (problem: string) =>
        report.violations.push({
          operation: name,
          role,
          request: where,
          problem: `${problem}; answer ${text.slice(0, 200)}`,
        });
      if (status >= 500) violation(`answered ${status}`);
      const shape = contractShaped(status, contentType, text);
      if (shape) violation(shape);
      if (before) {
        if (status >= 400 && status < 500 && !STATE_ON_REFUSAL[name]?.(status)) {
          const changed = differences(before, await snapshot(options.pool));
          if (changed.length) violation(`a ${status} changed state: ${changed.join(', ')}`);
        } else if (status < 400) {
          await quiet(options.pool);
          // A case may have signed its session out or rotated it: sign everyone in again.
          if (op.path.startsWith('/auth/')) tokens = await options.signIn();
        }
      }
    }
    log(`  ${name}: done`);
  }
  return report;
}

export function formatFuzzReport(report: FuzzReport): string {
  const statuses = [...report.byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`);
  const lines = [
    `fuzz: ${report.operations} operations, ${report.requests} requests (${statuses.join(', ')})`,
    report.violations.length ? `${report.violations.length} violation(s):` : 'no violations',
    ...report.violations
      .slice(0, 40)
      .map((v) => `  ${v.operation} as ${v.role}: ${v.request} — ${v.problem}`),
  ];
  if (report.violations.length > 40) lines.push(`  ... and ${report.violations.length - 40} more`);
  return lines.join('\n');
}
