// Matching engine throughput and latency: `npm run bench:matching [-- --commands N]`.
//
// The engine alone (domain/order-book.ts on domain/matching.ts, in memory, one thread), fed a
// random stream shaped like exchange-core's benchmark: a book of a few thousand resting orders
// around a mid price that drifts, then about 9% new GTC orders, 3% IOC orders, 6% cancels and the
// rest amends (mostly moves to a new price, some quantity reductions). Moves and IOCs near the touch
// trade; several hundred clients make self-trade prevention happen now and then.
//
// The stream is generated up front by running it through a scratch book (so every cancel and amend
// names an order that is resting at that point), then replayed on a fresh book: the timed run
// measures the engine, not the generator. Latency is per command (process.hrtime.bigint around each
// call). The numbers compare runs on one machine; nothing asserts them.
//
// `--full` adds the end-to-end path (API → order workflow → venue match → ledger) on a stack of its
// own: scripts/bench/matching-full-path.ts.
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { IncomingOrder } from '../../domain/matching.js';
import { OrderBook, type AmendChanges, type PlaceResult } from '../../domain/order-book.js';
import type { OrderSide } from '../../domain/order-types.js';

const MID_PRICE_TICKS = 7_000n; // 70.00 EUR per EUA
const CLIENT_COUNT = 500;
/** How far from the mid resting orders sit, in ticks (their distance is uniform in 1..this). */
const BOOK_HALF_WIDTH_TICKS = 40;
const MAX_ORDER_LOTS = 100;

interface Options {
  commands: number;
  resting: number;
  seed: number;
  warmup: number;
  full: boolean;
}

type Command =
  | { kind: 'place'; incoming: IncomingOrder }
  | { kind: 'cancel'; orderId: string }
  | { kind: 'amend'; orderId: string; changes: AmendChanges };

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      commands: { type: 'string', default: '1000000' },
      resting: { type: 'string', default: '3000' },
      seed: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '200000' },
      full: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, text: string, allowZero = false): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
      throw new Error(
        `--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${text}"`,
      );
    }
    return value;
  };
  return {
    commands: positive('commands', values.commands),
    resting: positive('resting', values.resting),
    seed: positive('seed', values.seed, true),
    warmup: positive('warmup', values.warmup, true),
    full: values.full,
  };
}

/** mulberry32: a small seeded generator, so a stream can be replayed exactly. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The ids resting on the scratch book, with O(1) random pick and removal. */
class LiveOrders {
  private readonly ids: string[] = [];
  private readonly indexById = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  add(orderId: string): void {
    this.indexById.set(orderId, this.ids.length);
    this.ids.push(orderId);
  }

  remove(orderId: string): void {
    const index = this.indexById.get(orderId);
    if (index === undefined) return;
    const last = this.ids.pop();
    if (last === undefined) throw new Error(`live orders lost track of ${orderId}`);
    this.indexById.delete(orderId);
    if (last === orderId) return;
    this.ids[index] = last;
    this.indexById.set(last, index);
  }

  pick(random: () => number): string {
    return this.ids[Math.floor(random() * this.ids.length)]!;
  }
}

/** Keeps `live` in step with the scratch book after a place or a re-entering amend. */
function trackResult(live: LiveOrders, orderId: string, result: PlaceResult): void {
  for (const fill of result.fills) if (fill.restingRemaining === 0n) live.remove(fill.restingOrderId);
  live.remove(orderId);
  if (result.outcome === 'REST') live.add(orderId);
}

class StreamGenerator {
  private readonly random: () => number;
  private readonly book = new OrderBook();
  private readonly live = new LiveOrders();
  private mid = MID_PRICE_TICKS;
  private orderCount = 0;

  constructor(private readonly options: Options) {
    this.random = randomSource(options.seed);
  }

  /** The preload (a resting book, nothing crosses) and the timed commands. */
  generate(): { preload: Command[]; timed: Command[] } {
    const preload: Command[] = [];
    while (this.live.size < this.options.resting) {
      const side = this.side();
      preload.push(this.play({ kind: 'place', incoming: this.newOrder('GTC', side, this.price(side, 0)) }));
    }
    const timed: Command[] = [];
    for (let index = 0; index < this.options.commands; index += 1) {
      if (index % 256 === 0) this.mid += BigInt(this.between(-1, 1));
      timed.push(this.play(this.nextCommand()));
    }
    return { preload, timed };
  }

  /**
   * The mix of exchange-core's benchmark, with its feedback that keeps the book near its size: trades
   * and cancels drain the book faster than 9% new orders refill it, so below the target a cancel
   * turns into a new order half the time, and above 120% of it a new order turns into a cancel.
   */
  private nextCommand(): Command {
    const roll = this.random();
    const size = this.live.size;
    const short = size < this.options.resting;
    const full = size >= this.options.resting * 1.2;
    const newOrder =
      size === 0 || (roll < 0.09 && !full) || (roll >= 0.12 && roll < 0.18 && short && this.random() < 0.5);
    if (newOrder) {
      const side = this.side();
      return { kind: 'place', incoming: this.newOrder('GTC', side, this.price(side, 0.02)) };
    }
    if (roll < 0.09 || (roll >= 0.12 && roll < 0.18))
      return { kind: 'cancel', orderId: this.live.pick(this.random) };
    if (roll < 0.12) {
      const side = this.side();
      return { kind: 'place', incoming: this.newOrder('IOC', side, this.price(side, 1)) };
    }
    return this.amend(this.live.pick(this.random), this.random() < 0.15);
  }

  /** A quantity reduction (keeps priority) or a move to a new price (loses it, may trade). */
  private amend(orderId: string, reduce: boolean): Command {
    const order = this.book.order(orderId);
    if (order === null) throw new Error(`generator lost track of ${orderId}`);
    if (reduce && order.remaining > 1n) {
      const cut = BigInt(this.between(1, Number(order.remaining) - 1));
      return { kind: 'amend', orderId, changes: { quantity: order.filled + order.remaining - cut } };
    }
    let price = this.price(order.side, 0.02);
    if (price === order.price) price += order.side === 'BUY' ? -1n : 1n;
    return { kind: 'amend', orderId, changes: { price } };
  }

  private play(command: Command): Command {
    if (command.kind === 'cancel') {
      this.book.cancel(command.orderId);
      this.live.remove(command.orderId);
      return command;
    }
    const orderId = command.kind === 'place' ? command.incoming.orderId : command.orderId;
    const result =
      command.kind === 'place'
        ? this.book.place(command.incoming)
        : this.book.amend(orderId, command.changes)?.match;
    if (result) trackResult(this.live, orderId, result);
    return command;
  }

  private between(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low + 1));
  }

  private side(): OrderSide {
    return this.random() < 0.5 ? 'BUY' : 'SELL';
  }

  /** A passive price on `side`, or (with `aggressiveShare`) one a tick or two through the mid. */
  private price(side: OrderSide, aggressiveShare: number): bigint {
    const distance =
      this.random() < aggressiveShare
        ? -BigInt(this.between(0, 2))
        : BigInt(this.between(1, BOOK_HALF_WIDTH_TICKS));
    return side === 'BUY' ? this.mid - distance : this.mid + distance;
  }

  private newOrder(timeInForce: 'GTC' | 'IOC', side: OrderSide, price: bigint): IncomingOrder {
    this.orderCount += 1;
    return {
      orderId: `o${this.orderCount}`,
      clientId: `c${this.between(1, CLIENT_COUNT)}`,
      side,
      type: 'LIMIT',
      timeInForce,
      limitPrice: price,
      protectionPrice: null,
      quantity: BigInt(this.between(1, MAX_ORDER_LOTS)),
    };
  }
}

/** Runs one command; answers the number of trades it made. */
function apply(book: OrderBook, command: Command): number {
  if (command.kind === 'cancel') {
    book.cancel(command.orderId);
    return 0;
  }
  if (command.kind === 'place') return book.place(command.incoming).fills.length;
  return book.amend(command.orderId, command.changes)?.match?.fills.length ?? 0;
}

interface RunResult {
  elapsedNs: bigint;
  /** CPU time of the process over the timed loop (user + system): robust to a busy machine. */
  cpuUs: number;
  latenciesNs: Float64Array;
  trades: number;
  restingAfter: number;
}

/** A fresh book, the preload untimed, then `timed` with each command timed on its own. */
function run(preload: Command[], timed: Command[]): RunResult {
  const book = new OrderBook();
  for (const command of preload) apply(book, command);
  const latenciesNs = new Float64Array(timed.length);
  let trades = 0;
  const cpuBefore = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  for (let index = 0; index < timed.length; index += 1) {
    const beforeNs = process.hrtime.bigint();
    trades += apply(book, timed[index]!);
    latenciesNs[index] = Number(process.hrtime.bigint() - beforeNs);
  }
  const elapsedNs = process.hrtime.bigint() - startNs;
  const cpu = process.cpuUsage(cpuBefore);
  return { elapsedNs, cpuUs: cpu.user + cpu.system, latenciesNs, trades, restingAfter: book.size };
}

function percentileUs(sortedNs: Float64Array, p: number): number {
  if (sortedNs.length === 0) return Number.NaN;
  const index = Math.min(sortedNs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedNs.length) - 1));
  return sortedNs[index]! / 1000;
}

function countKinds(commands: Command[]): string {
  const counts = { gtc: 0, ioc: 0, cancel: 0, amend: 0 };
  for (const command of commands) {
    if (command.kind === 'place') counts[command.incoming.timeInForce === 'IOC' ? 'ioc' : 'gtc'] += 1;
    else counts[command.kind] += 1;
  }
  const share = (count: number) => `${((100 * count) / commands.length).toFixed(1)}%`;
  return `GTC ${share(counts.gtc)}, IOC ${share(counts.ioc)}, cancel ${share(counts.cancel)}, amend ${share(counts.amend)}`;
}

function engineBenchmark(options: Options): void {
  const generatedAtMs = performance.now();
  const { preload, timed } = new StreamGenerator(options).generate();
  console.log(
    `stream: ${timed.length} commands (${countKinds(timed)}) over ${preload.length} preloaded orders, ` +
      `seed ${options.seed}; generated in ${((performance.now() - generatedAtMs) / 1000).toFixed(1)} s`,
  );
  // Warm-up: let the JIT settle on the same code paths before the timed run.
  if (options.warmup > 0) run(preload, timed.slice(0, options.warmup));
  // Collect the generator's and the warm-up's garbage now rather than inside the timed run
  // (npm run bench:matching passes --expose-gc; without it this step is skipped).
  const collectGarbage = (globalThis as { gc?: () => void }).gc;
  collectGarbage?.();

  const result = run(preload, timed);
  const sorted = result.latenciesNs.sort();
  const seconds = Number(result.elapsedNs) / 1e9;
  console.log(`engine orders/s: ${Math.round(timed.length / seconds)}`);
  console.log(`engine p50: ${percentileUs(sorted, 50).toFixed(2)} µs`);
  console.log(`engine p99: ${percentileUs(sorted, 99).toFixed(2)} µs`);
  console.log(
    `engine p99.9: ${percentileUs(sorted, 99.9).toFixed(2)} µs; max ${percentileUs(sorted, 100).toFixed(0)} µs`,
  );
  console.log(
    `engine orders/s per cpu second: ${Math.round(timed.length / (result.cpuUs / 1e6))} ` +
      `(wall ${seconds.toFixed(2)} s, cpu ${(result.cpuUs / 1e6).toFixed(2)} s; a busy machine widens the gap and the tail)`,
  );
  console.log(`trades: ${result.trades}; resting after: ${result.restingAfter}`);
}

/** The end-to-end section: API → order workflow → venue match → ledger (scripts/bench/matching-full-path.ts). */
export async function fullPath(options: { full: boolean }): Promise<void> {
  if (!options.full) {
    console.log('full path: skipped (run with --full)');
    return;
  }
  // Imported only here: the engine-alone run needs none of the stack's modules.
  const { fullPath: runFullPath, printFullPath } = await import('./matching-full-path.js');
  printFullPath(await runFullPath());
}

async function main(): Promise<void> {
  const options = parseOptions();
  const cpus = os.cpus();
  console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores; node ${process.version}`);
  engineBenchmark(options);
  await fullPath(options);
}

await main();
