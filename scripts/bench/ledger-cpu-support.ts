// What ledger-cpu.ts and ledger-cpu-ab.ts share: a process's CPU from /proc, the accounts and the
// calls they post (bench:ledger's shape: one transfer between two distinct random accounts per entry).

import { readFileSync } from 'node:fs';
import { ensureAccount, postEntries, type Db, type EntryInput } from '../../db/ledger/index.js';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU of a local process, in ms (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after it are space separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** `count` client-style accounts (debits_must_not_exceed_credits) with a large opening balance. */
export async function openAccounts(db: Db, count: number): Promise<string[]> {
  const funding = 'bench:funding:EUR';
  await ensureAccount(db, { code: funding, asset: 'EUR', kind: 'equity' });
  const codes = Array.from({ length: count }, (_, i) => `bench:client:${i}:EUR`);
  for (const code of codes) {
    await ensureAccount(db, { code, asset: 'EUR', kind: 'liability', debitsMustNotExceedCredits: true });
  }
  await postEntries(
    db,
    codes.map((code) => ({
      idempotencyKey: `bench:open:${code}`,
      kind: 'bench.open',
      description: 'opening balance',
      transfers: [{ debit: funding, credit: code, amount: 10n ** 15n }],
    })),
  );
  return codes;
}

/** One call's entries: a transfer between two distinct random accounts each (bench:ledger's shape). */
export function callEntries(codes: string[], call: number, batch: number, tag = 'cpu'): EntryInput[] {
  return Array.from({ length: batch }, (_, j) => {
    const debit = Math.floor(Math.random() * codes.length);
    const other = Math.floor(Math.random() * (codes.length - 1));
    const credit = other >= debit ? other + 1 : other;
    return {
      idempotencyKey: `bench:${tag}:${call}:${j}`,
      kind: 'bench.transfer',
      description: 'benchmark transfer',
      transfers: [{ debit: codes[debit]!, credit: codes[credit]!, amount: BigInt(1 + (j % 10_000)) }],
    };
  });
}
