// Reconciliation as operations take it: the bank's statement of the EUR omnibus account for today,
// generated from the run's own log — every deposit the run saw confirmed (a credit with the wire
// reference the client was given; an AML rejection's return as a debit), every withdrawal the run saw
// paid (a debit naming its workflow) — uploaded as CSV, matched by the platform, and its breaks
// resolved. A movement of the books the statement does not list (one confirmed after the statement
// was cut, a settlement's movement between the omnibus and the venue's clearing account) is an
// unmatched ledger item, dismissed with that reason. Any other break — a line of the bank's the books
// lack, an amount that differs — is a finding: the lifecycle stops there.
import { randomUUID } from 'node:crypto';
import type { Session } from '../client.js';
import { runDeposit } from './deposit.js';
import { eur, type Driver } from './driver.js';
import { ScenarioStop, type KindDescriptor, type Lifecycle, type Resource } from './model.js';

/** Deposits in these statuses have arrived at the bank (the confirm posted them). */
const ARRIVED = new Set(['ON_HOLD', 'AML_REVIEW', 'CLEARED', 'REJECTED']);

interface StatementLine {
  amountMinor: bigint;
  reference: string;
  description: string;
}

/** The bank's view of the EUR omnibus account from the run's log, as of now. */
export function statementLines(lifecycles: readonly Lifecycle[]): StatementLine[] {
  const lines: StatementLine[] = [];
  for (const r of lifecycles.flatMap((l) => l.resources)) {
    if ((r.asset ?? 'EUR') !== 'EUR') continue;
    if (r.type === 'deposit' && ARRIVED.has(r.lastStatus ?? '')) {
      const reference = String(r.detail?.reference ?? '');
      lines.push({ amountMinor: r.amountMinor, reference, description: `wire ${reference}` });
      // AML rejected it: the money went back to the sender.
      if (r.lastStatus === 'REJECTED')
        lines.push({ amountMinor: -r.amountMinor, reference, description: `return ${reference}` });
    }
    if (r.type === 'withdrawal' && r.lastStatus === 'COMPLETED')
      lines.push({ amountMinor: -r.amountMinor, reference: r.workflowId, description: 'payout' });
  }
  return lines;
}

const signed = (minor: bigint) => (minor < 0n ? `-${eur(-minor)}` : eur(minor));

/** The statement as the CSV the platform reads (docs/reconciliation.md), its own id unique per upload. */
export function statementCsv(lines: readonly StatementLine[], day: string): string {
  const closing = lines.reduce((sum, l) => sum + l.amountMinor, 0n);
  const statementId = `CHAOS-${randomUUID()}`;
  const header = ['type', 'currency', 'booking_date', 'amount', 'reference', 'description', 'statement_id'];
  const rows = [
    ['opening', 'EUR', day, '0.00', '', '', statementId],
    ...lines.map((l) => [
      'entry',
      'EUR',
      day,
      signed(l.amountMinor),
      l.reference,
      l.description,
      statementId,
    ]),
    ['closing', 'EUR', day, signed(closing), '', '', statementId],
  ];
  return [header, ...rows].map((r) => r.join(',')).join('\n');
}

interface Break {
  id: string;
  kind: string;
  status: string;
  difference: string | null;
  lineIds: string[];
  entryIds: string[];
}

async function openBreaks(driver: Driver, ops: Session, reconciliation: Resource): Promise<Break[]> {
  const found: Break[] = [];
  let cursor: string | null = null;
  do {
    const path: string = `/ops/reconciliations/${reconciliation.id}/breaks?status=OPEN&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const answer = await driver.send(ops, { method: 'GET', path });
    driver.expect(answer, 200, 'list breaks');
    found.push(...(answer.body.items as Break[]));
    cursor = answer.body.nextCursor ?? null;
  } while (cursor);
  return found.filter((b) => b.status === 'OPEN');
}

export async function runReconciliation(driver: Driver): Promise<void> {
  // A deposit of its own first, so the statement always has a line.
  await runDeposit(driver, BigInt(driver.random.int(100, 4999)) * 100n, 'clear');
  const { ops } = driver.world.staff;
  const csv = statementCsv(statementLines(driver.world.lifecycles), new Date().toISOString().slice(0, 10));
  const form = () => {
    const body = new FormData();
    body.append('source', 'bank');
    body.append('file', new Blob([csv], { type: 'text/csv' }), 'statement.csv');
    return body;
  };
  // Lost, the platform still matches it: reconciled, or its breaks left open for nobody to resolve.
  const answer = await driver.create(ops, '/ops/reconciliations', { form }, 'upload statement', {
    type: 'reconciliation',
    intended: 'BREAKS_OPEN|RECONCILED',
    amountMinor: 0n,
  });
  const reconciliation = driver.add(
    {
      type: 'reconciliation',
      id: answer.body.id,
      workflowId: answer.body.workflowId,
      intended: 'RECONCILED',
      amountMinor: 0n,
    },
    answer,
  );
  if (answer.body.statement?.consistent !== true)
    throw new ScenarioStop('refused', `statement ${reconciliation.id} read as inconsistent`);
  await driver.waitFor(reconciliation, 'BREAKS_OPEN|RECONCILED');
  if (reconciliation.lastStatus === 'RECONCILED') return;
  const breaks = await openBreaks(driver, ops, reconciliation);
  const findings = breaks.filter((b) => b.kind !== 'unmatched_ledger_item');
  if (findings.length > 0)
    throw new ScenarioStop(
      'refused',
      `reconciliation ${reconciliation.id}: ${findings.map((b) => `${b.kind} ${b.id} (${b.difference})`).join(', ')}`,
    );
  for (const item of breaks) {
    const resolved = await driver.send(ops, {
      method: 'POST',
      path: `/ops/reconciliation-breaks/${item.id}/resolve`,
      json: {
        resolution: 'dismiss',
        reason: 'not on this statement: after its cut, or between our own accounts',
      },
      requestId: `chaos-${randomUUID()}`,
    });
    driver.expect(resolved, 200, 'dismiss break');
  }
  await driver.waitFor(reconciliation, 'RECONCILED');
}

export const RECONCILIATION_KINDS: Record<string, KindDescriptor> = {
  // Its deposit and the reconciliation.
  reconciliation_reconciled: {
    weight: 3,
    intended: 'RECONCILED',
    mainType: 'reconciliation',
    partners: [],
    resources: 2,
    run: runReconciliation,
  },
};
