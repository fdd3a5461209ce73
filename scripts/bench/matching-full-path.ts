// The full path of an order, measured end to end: `npm run bench:matching -- --full` (or this file
// alone with tsx). Figures are printed for comparison between runs on one machine, never asserted.
//
// It starts a stack of its own (scripts/chaos/stack.ts: a scratch database, a Temporal dev server,
// the worker and the API server as child processes on free ports), funds demo-like clients, then
// drives POST /api/v1/orders over HTTP: API → order workflow (risk + reservation) → internal venue
// (match, trades, both sides' postings in one transaction) → answer. Two rounds: one client stream
// (requests one after another, alternating a buyer and a seller) and eight concurrent streams (four
// buyers, four sellers). Every BUY is priced at or above 70.00 and every SELL at or below, with
// quantities of 10, 20 and 30, so almost every order trades and many fill partly. A stream stops at
// its share of the order count or when the round's time is up, whichever comes first.
//
// Set-up shortcuts a bench may take (the figures are about orders, not onboarding): cash arrives by
// deposit postings straight through db/ledger, certificates by registryTransferIn, and the clients'
// KYC approval is written to app_user directly, as the API tests do.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  postEntry,
  trialBalance,
} from '../../db/ledger/index.js';
import { insertUser } from '../../db/users/index.js';
import { hashPassword } from '../../db/users/passwords.js';
import { parseAmount } from '../../domain/money.js';
import { depositClear, depositConfirm, registryTransferIn } from '../../domain/postings.js';
import { startStack, type Stack } from '../chaos/stack.js';
import { ensureTemporalCli } from '../temporal-cli.js';

export interface FullPathOptions {
  /** Orders of the one-client round (default BENCH_FULL_ORDERS_1 or 100). */
  ordersOneClient?: number;
  /** Orders of the eight-client round, over all streams (default BENCH_FULL_ORDERS_8 or 400). */
  ordersEightClients?: number;
  /** Each round stops issuing orders after this long (default BENCH_FULL_SECONDS or 25). */
  roundSeconds?: number;
  /** Any URL of the PostgreSQL server; the stack makes a database of its own on it. */
  postgresUrl?: string;
  log?: (line: string) => void;
}

export interface RoundFigures {
  clients: number;
  /** Orders sent; `ordersPerSecond` counts only those answered 201. */
  orders: number;
  seconds: number;
  ordersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  trades: number;
  /** 503s retried with the same Idempotency-Key and X-Request-Id (the workflow did not answer in time). */
  retries: number;
  /** Answers other than 201, by status and error code (a healthy run has none). */
  failures: Record<string, number>;
}

export interface FullPathReport {
  rounds: RoundFigures[];
  balanced: boolean;
  accountsMatchLines: boolean;
}

const SYMBOL = 'EUA';
const PASSWORD = 'bench-password';
/** Enough for every order a stream can place: 1 000 000.00 EUR and 1 000 000 EUA per client. */
const FUNDING = { EUR: '1000000.00', EUA: '1000000' } as const;
const QUANTITIES = ['10', '20', '30'] as const;
/** Ticks above 70.00 a BUY bids, below it a SELL asks: every BUY crosses every SELL. */
const BUY_PRICES = ['70.00', '70.01', '70.02'] as const;
const SELL_PRICES = ['70.00', '69.99', '69.98'] as const;

type Side = 'BUY' | 'SELL';

interface Trader {
  id: string;
  side: Side;
  token: string;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

async function api(
  stack: Stack,
  path: string,
  init: { method?: string; token?: string; json?: unknown; idempotencyKey?: string; requestId?: string } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  if (init.idempotencyKey) headers['idempotency-key'] = init.idempotencyKey;
  if (init.requestId) headers['x-request-id'] = init.requestId;
  const answer = await fetch(`${stack.apiUrl}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await answer.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: answer.status, body };
}

/**
 * A client user with approved KYC, 1 000 000.00 EUR (a deposit confirmed and cleared) and
 * 1 000 000 EUA (a registry transfer in), signed in through the API.
 */
async function fundedTrader(stack: Stack, side: Side, passwordHash: string): Promise<Trader> {
  const pool = stack.pool;
  const email = `bench-${side.toLowerCase()}-${randomUUID()}@example.com`;
  const id = await insertUser(pool, { email, passwordHash, role: 'client', displayName: email });
  if (!id) throw new Error(`bench user ${email} was not created`);
  await pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [id]);
  for (const asset of ['EUR', 'EUA'] as const) await ensureClientAccounts(pool, id, asset);
  const cash = parseAmount('EUR', FUNDING.EUR);
  await postEntry(pool, {
    idempotencyKey: `bench/${id}/deposit/confirm`,
    ...depositConfirm(id, 'EUR', cash),
  });
  await postEntry(pool, { idempotencyKey: `bench/${id}/deposit/clear`, ...depositClear(id, 'EUR', cash) });
  await postEntry(pool, {
    idempotencyKey: `bench/${id}/registry-transfer-in/EUA`,
    ...registryTransferIn(id, 'EUA', parseAmount('EUA', FUNDING.EUA), `bench-${id}`),
  });
  const login = await api(stack, '/auth/login', { method: 'POST', json: { email, password: PASSWORD } });
  if (login.status !== 200)
    throw new Error(`bench login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { id, side, token: login.body.accessToken };
}

/** A 503 is retried at most this often; a run where orders need more is reported, not hidden. */
const MAX_RETRIES = 10;
/** The server's Retry-After is in whole seconds; a client may come back sooner (the workflow works on). */
const RETRY_WAIT_MS = 250;

/**
 * POST /orders as a well-behaved client: a 503 (the workflow did not answer within the server's
 * Temporal deadline) is retried with the same Idempotency-Key and X-Request-Id, which reaches the
 * same order workflow, so the latency measured is the client's, from the first send to the answer.
 */
async function placeOrder(
  stack: Stack,
  trader: Trader,
  body: Record<string, string>,
): Promise<{ status: number; body: any; retries: number }> {
  const idempotencyKey = randomUUID();
  const requestId = randomUUID();
  for (let retries = 0; ; retries++) {
    const answer = await api(stack, '/orders', {
      method: 'POST',
      token: trader.token,
      idempotencyKey,
      requestId,
      json: body,
    });
    if (answer.status !== 503 || retries >= MAX_RETRIES) return { ...answer, retries };
    await new Promise((resolve) => setTimeout(resolve, RETRY_WAIT_MS));
  }
}

/** The j-th order of a trader: a LIMIT on the trader's side, crossing any order of the other side. */
function orderBody(side: Side, j: number): Record<string, string> {
  const prices = side === 'BUY' ? BUY_PRICES : SELL_PRICES;
  return {
    symbol: SYMBOL,
    side,
    type: 'LIMIT',
    // Sellers run one step ahead through the sizes, so a BUY and the SELL it meets seldom match
    // exactly: partial fills, orders resting on with a remainder, takers sweeping two makers.
    quantity: QUANTITIES[(j + (side === 'SELL' ? 1 : 0)) % QUANTITIES.length]!,
    price: prices[j % prices.length]!,
    timeInForce: 'GTC',
  };
}

async function tradeCount(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM trade WHERE symbol = $1`, [
    SYMBOL,
  ]);
  return Number(rows[0]!.n);
}

/**
 * One round: `streams` loops, each placing orders one after another as its traders (in turn) until
 * the round's share of `orders` is placed or `deadline` passes.
 */
async function round(
  stack: Stack,
  streams: Trader[][],
  orders: number,
  roundSeconds: number,
): Promise<RoundFigures> {
  const latencyMs: number[] = [];
  const failures: Record<string, number> = {};
  const tradesBefore = await tradeCount(stack.pool);
  const perStream = Math.ceil(orders / streams.length);
  const started = performance.now();
  const deadline = started + roundSeconds * 1000;
  let placed = 0;
  let retries = 0;
  let accepted = 0;
  await Promise.all(
    streams.map(async (traders) => {
      for (let j = 0; j < perStream && performance.now() < deadline; j++) {
        const trader = traders[j % traders.length]!;
        const sent = performance.now();
        const answer = await placeOrder(
          stack,
          trader,
          orderBody(trader.side, Math.floor(j / traders.length)),
        );
        latencyMs.push(performance.now() - sent);
        placed += 1;
        retries += answer.retries;
        if (answer.status === 201) accepted += 1;
        else {
          const key = `${answer.status} ${answer.body?.error?.code ?? ''}`.trim();
          failures[key] = (failures[key] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    clients: streams.length,
    orders: placed,
    seconds,
    ordersPerSecond: accepted / seconds,
    p50Ms: percentile(latencyMs, 50),
    p99Ms: percentile(latencyMs, 99),
    trades: (await tradeCount(stack.pool)) - tradesBefore,
    retries,
    failures,
  };
}

export function printFullPath(report: FullPathReport, log: (line: string) => void = console.log): void {
  for (const r of report.rounds) {
    const who = r.clients === 1 ? '1 client' : `${r.clients} clients`;
    log(`full path orders/s (${who}): ${r.ordersPerSecond.toFixed(1)}`);
    log(
      `  ${r.orders} orders in ${r.seconds.toFixed(1)} s; POST /orders p50 ${r.p50Ms.toFixed(0)} ms, ` +
        `p99 ${r.p99Ms.toFixed(0)} ms; trades made: ${r.trades}; 503s retried: ${r.retries}`,
    );
    const failed = Object.entries(r.failures);
    if (failed.length) log(`  answers other than 201: ${failed.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  }
  log(
    `trial balance after the run: balanced: ${report.balanced} (accountsMatchLines: ${report.accountsMatchLines})`,
  );
}

/** Starts the stack, funds the traders, runs both rounds, checks the books and stops everything. */
export async function fullPath(options: FullPathOptions = {}): Promise<FullPathReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const ordersOne = options.ordersOneClient ?? envNumber('BENCH_FULL_ORDERS_1', 100);
  const ordersEight = options.ordersEightClients ?? envNumber('BENCH_FULL_ORDERS_8', 400);
  const roundSeconds = options.roundSeconds ?? envNumber('BENCH_FULL_SECONDS', 25);
  const stack = await startStack({
    postgresUrl:
      options.postgresUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse',
    temporalCli: await ensureTemporalCli(),
    env: { API_RATE_LIMIT_PER_MINUTE: '0' },
    log: (line) => log(`  stack: ${line}`),
    // BENCH_KEEP=1 keeps the database and the logs of the server, worker and Temporal for a look.
    keep: process.env.BENCH_KEEP === '1',
  });
  try {
    await ensureSystemAccounts(stack.pool);
    const passwordHash = await hashPassword(PASSWORD);
    const sides: Side[] = ['BUY', 'SELL'];
    const pair = await Promise.all(sides.map((side) => fundedTrader(stack, side, passwordHash)));
    const eight = await Promise.all(
      Array.from({ length: 8 }, (_, k) => fundedTrader(stack, sides[k % 2]!, passwordHash)),
    );

    // Warm-up: the first workflow tasks pay for the worker's isolate and the first connections.
    await round(stack, [pair], 4, roundSeconds);

    log(
      `Full path: POST /orders → order workflow → internal venue → ledger, ${SYMBOL}, crossing LIMIT orders`,
    );
    const rounds = [
      await round(stack, [pair], ordersOne, roundSeconds),
      await round(
        stack,
        eight.map((trader) => [trader]),
        ordersEight,
        roundSeconds,
      ),
    ];
    const books = await trialBalance(stack.pool);
    return { rounds, balanced: books.balanced, accountsMatchLines: books.accountsMatchLines };
  } finally {
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  fullPath()
    .then((report) => printFullPath(report))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
