// Replays workflow histories against the workflow code in this checkout and exits non-zero on any
// nondeterminism, naming the workflow and the history event the code no longer matches.
//
//   npm run replay -- --workflow-id deposit-<id> [--workflow-id ...]
//   npm run replay -- --type deposit --since 2026-11-01T00:00:00Z [--until ...] [--include-running]
//   npm run replay -- --file history.json [--file tests/histories]   (files or directories of *.json)
//   options: --bundle <workflow bundle path> (default WORKFLOW_BUNDLE_PATH, else workflows/index.ts)
//
// Where histories come from: --workflow-id reads Temporal (TEMPORAL_ADDRESS) and falls back to the
// PostgreSQL history archive (DATABASE_URL) when Temporal no longer has the workflow; --type/--since
// lists closed executions from Temporal visibility and adds archived runs Temporal has forgotten;
// --file reads JSON as `temporal workflow show --output json` or GET /audit/workflows/:id/history
// prints it (the workflow type comes from the history's first event).
//
// Exit codes: 0 every history replayed deterministically; 1 at least one did not; 2 usage error or
// a history that could not be found or read.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import type pg from 'pg';
import { config } from '../db/config.js';
import { getHistoryArchive, historyFacts, listHistoryArchives } from '../db/history/index.js';
import { createPool } from '../db/pool.js';
import { currentWorkflowBundle, divergenceOf, type ReplayBundle } from '../auditing/index.js';

const USAGE = `usage:
  npm run replay -- --workflow-id <id> [--workflow-id <id> ...]
  npm run replay -- --type <workflow type> --since <ISO time> [--until <ISO time>] [--include-running]
  npm run replay -- --file <history.json | directory> [--file ...]
options: --bundle <path of a workflow bundle>  (default: WORKFLOW_BUNDLE_PATH, else workflows/index.ts)`;

class UsageError extends Error {}

interface Source {
  workflowId: string;
  /** Where it came from, for the report: 'temporal', 'archive' or the file path. */
  from: string;
  history: unknown;
}

// ---- where histories come from ----------------------------------------------------------------------

let temporal: Promise<Client> | undefined;
function temporalClient(): Promise<Client> {
  temporal ??= Connection.connect({ address: config.temporalAddress, connectTimeout: '5s' }).then(
    (connection) => new Client({ connection, namespace: config.temporalNamespace }),
  );
  return temporal;
}

let pool: pg.Pool | undefined;
function database(): pg.Pool {
  pool ??= createPool(config.databaseUrl, 2);
  return pool;
}

const notFound = (error: unknown) =>
  error instanceof WorkflowNotFoundError || (error as { code?: unknown })?.code === 5;

async function fromTemporal(workflowId: string): Promise<Source | null> {
  const client = await temporalClient();
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return { workflowId, from: 'temporal', history: JSON.parse(historyToJSON(history)) };
  } catch (error) {
    if (notFound(error)) return null;
    throw error;
  }
}

async function fromArchive(workflowId: string): Promise<Source | null> {
  const archived = await getHistoryArchive(database(), workflowId);
  return archived ? { workflowId, from: 'archive', history: archived.history } : null;
}

async function byWorkflowId(workflowId: string, warn: (line: string) => void): Promise<Source> {
  let temporalProblem: string | null = null;
  try {
    const found = await fromTemporal(workflowId);
    if (found) return found;
  } catch (error) {
    temporalProblem = (error as Error).message;
    warn(`Temporal at ${config.temporalAddress} did not answer (${temporalProblem}); trying the archive`);
  }
  try {
    const archived = await fromArchive(workflowId);
    if (archived) return archived;
  } catch (error) {
    warn(`the history archive (DATABASE_URL) is not reachable: ${(error as Error).message}`);
  }
  throw new UsageError(
    `no history for ${workflowId} in Temporal${temporalProblem ? ' (unreachable)' : ''} or in the archive`,
  );
}

async function* byTypeSince(
  type: string,
  since: Date,
  until: Date | null,
  includeRunning: boolean,
  warn: (line: string) => void,
): AsyncGenerator<Source> {
  const seen = new Set<string>();
  const clauses = [`WorkflowType = '${type}'`, `StartTime >= '${since.toISOString()}'`];
  if (until) clauses.push(`StartTime < '${until.toISOString()}'`);
  if (!includeRunning) clauses.push(`ExecutionStatus != 'Running'`);
  try {
    const client = await temporalClient();
    for await (const execution of client.workflow.list({ query: clauses.join(' AND ') })) {
      if (seen.has(execution.workflowId)) continue;
      const found = await fromTemporal(execution.workflowId);
      if (!found) continue;
      seen.add(execution.workflowId);
      yield found;
    }
  } catch (error) {
    warn(
      `Temporal visibility at ${config.temporalAddress} did not answer (${(error as Error).message}); using the archive only`,
    );
  }
  try {
    for (const archived of await listHistoryArchives(database(), { type, since })) {
      if (seen.has(archived.workflowId)) continue;
      if (until && Date.parse(archived.closedAt) >= until.getTime()) continue;
      const found = await fromArchive(archived.workflowId);
      if (found) {
        seen.add(found.workflowId);
        yield found;
      }
    }
  } catch (error) {
    warn(`the history archive (DATABASE_URL) is not reachable: ${(error as Error).message}`);
  }
}

function jsonFiles(path: string): string[] {
  const full = resolve(path);
  let stat;
  try {
    stat = statSync(full);
  } catch {
    throw new UsageError(`no such file or directory: ${path}`);
  }
  if (stat.isFile()) return [full];
  return readdirSync(full)
    .sort()
    .flatMap((name) => {
      const child = join(full, name);
      return statSync(child).isDirectory() ? jsonFiles(child) : name.endsWith('.json') ? [child] : [];
    });
}

function fromFile(file: string): Source {
  let history: unknown;
  try {
    history = JSON.parse(readFileSync(file, 'utf8'));
    historyFacts(history);
  } catch (error) {
    throw new UsageError(`${file} is not a workflow history: ${(error as Error).message}`);
  }
  const facts = historyFacts(history);
  const name = file
    .split('/')
    .pop()!
    .replace(/\.json$/, '');
  return { workflowId: facts.workflowId ?? name, from: relative(process.cwd(), file) || file, history };
}

// ---- replay -----------------------------------------------------------------------------------------

export interface ReplayLine {
  workflowId: string;
  from: string;
  workflowType: string | null;
  events: number;
  ok: boolean;
  message?: string;
  eventId?: number | null;
  eventType?: string | null;
}

/** Replays every source with one replay worker; one line per history. */
async function replayAll(
  sources: AsyncIterable<Source> | Iterable<Source>,
  bundle: ReplayBundle,
): Promise<ReplayLine[]> {
  const byId = new Map<string, Source>();
  async function* feed() {
    for await (const source of sources) {
      byId.set(source.workflowId, source);
      // Validated here so a broken archive row is reported as such, not as a replay failure.
      yield { workflowId: source.workflowId, history: historyFromJSON(source.history) };
    }
  }
  const lines: ReplayLine[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: 'replay-cli' },
    feed(),
  )) {
    const source = byId.get(result.workflowId)!;
    const facts = historyFacts(source.history);
    const line: ReplayLine = {
      workflowId: result.workflowId,
      from: source.from,
      workflowType: facts.workflowType,
      events: facts.eventCount,
      ok: !result.error,
    };
    if (result.error) {
      line.message = result.error.message;
      const divergence = divergenceOf(result.error.message, source.history);
      line.eventId = divergence.eventId;
      line.eventType = divergence.eventType;
      if (!(result.error instanceof DeterminismViolationError))
        line.message = `(replay failure) ${line.message}`;
    }
    lines.push(line);
  }
  return lines;
}

function report(line: ReplayLine): string {
  const what = `${line.workflowId} (${line.workflowType ?? 'unknown type'}, ${line.events} events, from ${line.from})`;
  if (line.ok) return `ok    ${what}`;
  const at = line.eventId ? ` at event ${line.eventId}${line.eventType ? ` ${line.eventType}` : ''}` : '';
  return `FAIL  ${what}: nondeterministic${at}\n      ${line.message}`;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'workflow-id': { type: 'string', multiple: true },
      type: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      'include-running': { type: 'boolean', default: false },
      file: { type: 'string', multiple: true },
      bundle: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const modes = [values['workflow-id'] ? 1 : 0, values.type || values.since ? 1 : 0, values.file ? 1 : 0];
  if (modes.reduce((a, b) => a + b, 0) !== 1)
    throw new UsageError('choose one of --workflow-id, --type/--since, --file');
  const warn = (line: string) => console.error(`warning: ${line}`);

  let sources: AsyncIterable<Source> | Iterable<Source>;
  if (values['workflow-id']) {
    const found: Source[] = [];
    for (const id of values['workflow-id']) found.push(await byWorkflowId(id, warn));
    sources = found;
  } else if (values.file) {
    sources = values.file.flatMap(jsonFiles).map(fromFile);
  } else {
    if (!values.type || !values.since) throw new UsageError('--type and --since go together');
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(values.type))
      throw new UsageError(`not a workflow type: ${values.type}`);
    const since = new Date(values.since);
    const until = values.until ? new Date(values.until) : null;
    if (Number.isNaN(since.getTime()) || (until && Number.isNaN(until.getTime()))) {
      throw new UsageError('--since/--until take an ISO time such as 2026-11-01T00:00:00Z');
    }
    sources = byTypeSince(values.type, since, until, values['include-running'], warn);
  }

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const bundle: ReplayBundle = values.bundle
    ? { codePath: resolve(values.bundle) }
    : await currentWorkflowBundle();
  const lines = await replayAll(sources, bundle);
  for (const line of lines) console.log(report(line));
  const failed = lines.filter((line) => !line.ok);
  console.log(
    lines.length === 0
      ? 'nothing to replay'
      : `${lines.length} replayed, ${lines.length - failed.length} deterministic, ${failed.length} not`,
  );
  return failed.length > 0 ? 1 : 0;
}

main(process.argv.slice(2))
  .catch((error: unknown) => {
    if (
      error instanceof UsageError ||
      (error as { code?: string })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      console.error(`${(error as Error).message}\n${USAGE}`);
    } else {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    }
    return 2;
  })
  .then(async (code) => {
    await pool?.end().catch(() => undefined);
    const client = await temporal?.catch(() => undefined);
    await client?.connection.close().catch(() => undefined);
    process.exit(code);
  });
