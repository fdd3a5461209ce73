// screenDepositOnce, the local activity a deposit's confirmation screens with: it runs again when its
// workflow task is retried after a worker died, and by then the facts may have moved (here: the data
// partner's rating of the sender's country). Every run of one attempt answers with the first
// screening kept, so the status recorded never depends on which run got there; a new attempt screens
// anew.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { testPool } from '../db/ledger/test-support.js';
import { DEFAULT_AML_POLICY, type CountryRating } from '../domain/aml.js';
import type { DepositScreening } from '../domain/deposit.js';
import type { AmlDataPartner } from './aml-data.js';
import { createDepositActivities, type ScreenDepositOnceInput } from './deposit.js';

const pool = testPool(2);

afterAll(async () => {
  await pool.end();
});

describe('screenDepositOnce', () => {
  it('answers every run of an attempt with the first screening kept, and screens a new attempt anew', async () => {
    let rating: CountryRating = 'high';
    let asked = 0;
    const amlData: AmlDataPartner = {
      countryRisk: async (country) => {
        asked++;
        return { country, rating, source: 'test' };
      },
    };
    const activities = createDepositActivities({ pool, amlData });
    const workflowId = `deposit-${randomUUID()}`;
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId, runId: randomUUID() },
    } as ConstructorParameters<typeof MockActivityEnvironment>[0]);
    const input = (attempt: number): ScreenDepositOnceInput => ({
      clientId: randomUUID(),
      currency: 'EUR',
      announcedAmount: '500.00',
      receivedAmount: '500.00',
      expectedReference: 'DEP-TEST',
      announcedReference: null,
      senderReference: 'DEP-TEST',
      senderCountry: 'CH',
      asOf: new Date().toISOString(),
      policy: DEFAULT_AML_POLICY,
      attempt,
    });

    const first: DepositScreening = await env.run(activities.screenDepositOnce, input(1));
    expect(first.countryRating).toBe('high');
    expect(first.decision).toBe('review');

    // The partner now says otherwise: a fresh screening would clear it, a re-run must not.
    rating = 'standard';
    const rerun = await env.run(activities.screenDepositOnce, input(1));
    expect(rerun).toEqual(first);
    expect(asked).toBe(1);

    const next: DepositScreening = await env.run(activities.screenDepositOnce, input(2));
    expect(next.countryRating).toBe('standard');
    expect(next.decision).not.toBe('review');
    expect(asked).toBe(2);

    const { rows } = await pool.query(
      'SELECT attempt FROM deposit_screening WHERE workflow_id = $1 ORDER BY attempt',
      [workflowId],
    );
    expect(rows.map((row) => row.attempt)).toEqual([1, 2]);
  });
});
