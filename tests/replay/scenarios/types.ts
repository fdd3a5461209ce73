// A golden-history scenario: one main path of one workflow type, run for real on a dev server by
// scripts/capture-histories.ts, whose history is written to tests/histories/<type>/<path>.json.
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import type { SimulatedBank } from '../../../activities/bank-adapter.js';
import type { Actor } from '../../../domain/lifecycle.js';

export interface CaptureContext {
  /** A client of the scratch dev server the capture runs on. */
  client: Client;
  /** The task queue the capture worker polls (start every workflow on it). */
  taskQueue: string;
  /** The scratch database the activities write to. */
  pool: pg.Pool;
  /** Staff people who act in the scenarios (fresh ids per capture run). */
  staff: { operations: Actor; aml: Actor; admin: Actor };
  /** A fresh client person (with ledger accounts in `currency` when given). */
  newClient(currency?: string): Promise<Actor>;
  /** The capture worker's payout bank (withdrawals): faults are injected per IBAN. */
  bank: SimulatedBank;
}

/**
 * One run of a workflow: for a workflow that continues-as-new (KYC), each run has its own history,
 * closed by WorkflowExecutionContinuedAsNew, and the scenario names the run it pins.
 */
export interface CapturedRun {
  workflowId: string;
  runId: string;
}

export interface Scenario {
  /** The workflow type; the directory under tests/histories/. */
  type: string;
  /** The path's name; the file name (without .json). */
  path: string;
  /** One line for the capture log and the README. */
  description: string;
  /**
   * Drives the workflow until the run to pin has closed (completed, or continued as new); returns
   * its workflow id (the latest run is the golden one) or, for a run that is not the latest, the run.
   */
  run(ctx: CaptureContext): Promise<string | CapturedRun>;
}
