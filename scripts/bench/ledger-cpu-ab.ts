// Backend CPU per batched call on two schemas, measured in the same seconds:
//
//   npx tsx scripts/bench/ledger-cpu-ab.ts --a <database url> --b <database url> [--calls 100] [--rounds 5]
//
// ledger-cpu.ts measures one schema per run; on a shared two-core machine two runs a minute apart
// differ by ±15 % from the load alone, more than a schema change moves. Here one process posts the
// same postEntries calls (this checkout's client code) to two databases in turn, call by call, each
// on one connection of its own, and reads both backends' user+system CPU from /proc/<pid>/stat, so
// both sides see the same load. Both databases must be migrated beforehand, e.g. `a` by an older
// commit's worktree (`DATABASE_URL=<a> npx tsx /tmp/old/db/migrate.ts`) and `b` by this one; their
// journals are wiped of nothing (they are append-only), so use fresh databases. Prints per round
// and the median of the rounds. Figures are for comparison, never asserted anywhere.

import { parseArgs } from 'node:util';
import pg from 'pg';
import { postEntries } from '../../db/ledger/index.js';
import { callEntries, loadAverage, openAccounts, processCpuMs } from './ledger-cpu-support.js';

interface Side {
  name: string;
  db: pg.Pool;
  pid: number;
}

async function side(name: string, url: string): Promise<Side> {
  const db = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { name, db, pid: rows[0]!.pid };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      calls: { type: 'string', default: '100' },
      rounds: { type: 'string', default: '5' },
      preload: { type: 'string', default: '30' },
      batch: { type: 'string', default: '1000' },
      accounts: { type: 'string', default: '50' },
    },
  });
  if (!values.a || !values.b) throw new Error('--a <database url> --b <database url>');
  const calls = Number(values.calls);
  const rounds = Number(values.rounds);
  const batch = Number(values.batch);
  const sides = [await side('a', values.a), await side('b', values.b)];
  try {
    const codes = await Promise.all(sides.map((s) => openAccounts(s.db, Number(values.accounts))));
    let call = 0;
    for (let i = 0; i < Number(values.preload); i++, call++)
      for (const [k, s] of sides.entries())
        await postEntries(s.db, callEntries(codes[k]!, call, batch, 'ab'));
    const perRound: Record<string, number[]> = { a: [], b: [] };
    for (let round = 1; round <= rounds; round++) {
      const before = sides.map((s) => processCpuMs(s.pid));
      for (let i = 0; i < calls; i++, call++)
        // Alternate which side goes first, so neither always follows the other's commit.
        for (const k of i % 2 ? [1, 0] : [0, 1])
          await postEntries(sides[k]!.db, callEntries(codes[k]!, call, batch, 'ab'));
      const used = sides.map((s, k) => (processCpuMs(s.pid) - before[k]!) / calls);
      perRound.a!.push(used[0]!);
      perRound.b!.push(used[1]!);
      const load = loadAverage();
      console.log(
        `round ${round}: server CPU ms/call a ${used[0]!.toFixed(1)}, b ${used[1]!.toFixed(1)} ` +
          `(b/a ${(used[1]! / used[0]!).toFixed(3)}), load ${load}`,
      );
    }
    const a = median(perRound.a!);
    const b = median(perRound.b!);
    console.log(`median server CPU ms/call: a ${a.toFixed(1)}, b ${b.toFixed(1)}, b/a ${(b / a).toFixed(3)}`);
  } finally {
    await Promise.all(sides.map((s) => s.db.end()));
  }
}

await main();
