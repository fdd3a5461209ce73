// A golden-history scenario: one main path of one workflow type, run for real on a dev server by
// scripts/capture-histories.ts, whose history is written to tests/histories/<type>/<path>.json.
import type pg from 'pg';
import type { Client } from '@temporalio/client';
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
}

export interface Scenario {
  /** The workflow type; the directory under tests/histories/. */
  type: string;
  /** The path's name; the file name (without .json). */
  path: string;
  /** One line for the capture log and the README. */
  description: string;
  /** Drives the workflow to its close; returns the workflow id whose history is the golden one. */
  run(ctx: CaptureContext): Promise<string>;
}
