// What a lifecycle declares once so the kit (service.ts) can start it, read it, list it, stream it
// and act on it. Everything here is data or a pure mapping; the rules stay in domain/, the steps in
// the workflow. A lifecycle's service file is its descriptor plus its genuine special cases.
import type { ApplicationFailure, UpdateDefinition, Workflow } from '@temporalio/client';
import type { z } from 'zod';
import type { LifecycleDetail, LifecycleSummary, Task } from '../../db/lifecycle/index.js';
import type { RecordedTransition } from '../../db/lifecycle/timelines.js';
import type { Actor, PermissionTable, TransitionTable } from '../../domain/lifecycle.js';
import type { SessionUser } from '../auth/tokens.js';
import type { AppDeps } from '../deps.js';

/** The fields every lifecycle's workflow state (Query / Update answer) has. */
export interface LifecycleStateShape {
  workflowId: string;
  status: string;
  timeline: readonly unknown[];
}

export interface LifecycleDescriptor<
  Status extends string,
  Action extends string,
  State extends LifecycleStateShape,
  Rec,
  View,
  Loaded = undefined,
> {
  /** The read model's `lifecycle.type` ('deposit'); also the audit subject type. */
  type: string;
  /** What people call it, in messages ("no such deposit", "the deposit is already CLEARED"). */
  noun: string;
  workflowId: (businessId: string) => string;
  transitions: TransitionTable<Status, Action>;
  permissions: PermissionTable<Action>;
  /**
   * The Update that answers once the workflow has recorded its first transition (the read model has
   * it), or fails with the workflow's refusal (e.g. insufficient_funds): sent with the start. None
   * for a lifecycle whose first action starts it (KYC's submit: `actWithStart`).
   */
  startedUpdate?: UpdateDefinition<State, []>;
  /**
   * For a workflow that refuses its start by ending normally, not by failing (a withdrawal ends
   * DECLINED): the refusal its result carries, null for any other result. A key whose workflow ended
   * that way without recording anything answers this refusal again. Optional: without it only a
   * failed workflow counts as a refusal.
   */
  refusalOfResult?: (result: State) => ApplicationFailure | null;
  /**
   * The read-model row the workflow records first, made from its start arguments alone (null when the
   * workflow would refuse them). With it, a start may answer once Temporal holds the workflow, before
   * the worker has recorded anything, and a read finds the lifecycle meanwhile (started-unrecorded.ts).
   */
  detailOfStart?: (args: readonly unknown[], startedAt: string) => LifecycleDetail | null;
  /** The read model as the lifecycle's record, whole or as a list row with its timeline and tasks. */
  recordOfDetail: (detail: LifecycleDetail) => Rec;
  recordOfSummary: (
    summary: LifecycleSummary,
    transitions: RecordedTransition<Status>[],
    tasks: Task[],
  ) => Rec;
  /**
   * What the views of some records need beyond the read model (the lifecycle's own table, emails,
   * documents), read once for all of them and handed to `view`. None when the record is enough.
   */
  load?: (deps: AppDeps, user: SessionUser, records: readonly Rec[]) => Promise<Loaded>;
  /** What `user` (already found allowed to read it) sees of a record. */
  view: (record: Rec, user: SessionUser, loaded: Loaded) => View;
  /** The audit entry of an action: what it records of the lifecycle before and after. */
  audit: {
    before: (detail: LifecycleDetail) => Record<string, unknown>;
    after: (state: State) => Record<string, unknown>;
  };
}

/**
 * One human action: the Update it sends and how its argument is made from the parsed body and the
 * lifecycle as the read model has it (values that need it, e.g. the received amount's scale: 400).
 */
export interface ActionSpec<State, Body, Args extends { actor: Actor }> {
  update: UpdateDefinition<State, [Args]>;
  /** The body's schema (also the OpenAPI request body); none for actions without one. */
  body?: z.ZodType<Body>;
  /** Checks on the parsed body that need nothing else (400), before the lifecycle is loaded. */
  check?: (body: Body) => void;
  args: (body: Body, detail: LifecycleDetail, user: SessionUser) => Omit<Args, 'actor'>;
  /**
   * A quick answer the workflow would give anyway (it checks again, authoritatively), from what the
   * database says now, e.g. a removal while a withdrawal is in flight (409): just before the Update.
   */
  before?: (deps: AppDeps, detail: LifecycleDetail) => Promise<void>;
  /** A refused or failed Update as the contract's error (default: updateErrorToApiError). */
  mapError?: (error: unknown) => unknown;
}

/**
 * An action that may be a lifecycle's first (KYC's submit): update-with-start of its Update. `args`
 * reads what it needs (and may refuse, 422 …) with the lifecycle as the read model has it, or null.
 */
export interface StartingActionSpec<State, Args extends { actor: Actor }, W extends Workflow> {
  update: UpdateDefinition<State, [Args]>;
  args: (deps: AppDeps, user: SessionUser, detail: LifecycleDetail | null) => Promise<Omit<Args, 'actor'>>;
  /** The workflow started when there is none yet. */
  start: (user: SessionUser) => { workflow: W; args: Parameters<W>; staticSummary: string };
  mapError?: (error: unknown) => unknown;
}

/** The start of a new lifecycle: its workflow and input, and how to tell a reused key (409). */
export interface StartSpec<W extends Workflow, Rec> {
  businessId: string;
  workflow: W;
  args: Parameters<W>;
  staticSummary: string;
  /** True when the existing lifecycle under this key is not the one this body asks for. */
  conflicts: (record: Rec) => boolean;
  /**
   * The owner the workflow records: by default the caller (a client's own lifecycle); null for one
   * staff start that no client owns (the business id still derives from the caller's key).
   */
  ownerId?: string | null;
}

// The kit's modules (reading.ts, starting.ts, acting.ts) take any lifecycle's descriptor and
// answer in its own types: these name them.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnyDescriptor = LifecycleDescriptor<any, any, any, any, any, any>;
export type StateOf<D> = D extends LifecycleDescriptor<any, any, infer State, any, any, any> ? State : never;
export type RecOf<D> = D extends LifecycleDescriptor<any, any, any, infer Rec, any, any> ? Rec : never;
export type ViewOf<D> = D extends LifecycleDescriptor<any, any, any, any, infer View, any> ? View : never;
export type LoadedOf<D> =
  D extends LifecycleDescriptor<any, any, any, any, any, infer Loaded> ? Loaded : never;
/* eslint-enable @typescript-eslint/no-explicit-any */
