// The steps every lifecycle is made of, for one client session with the staff of the world: a
// creating POST with its own Idempotency-Key, an action with its own X-Request-Id (both kept across
// retries, client.ts), a wait for a status. A final answer other than the one expected throws
// ScenarioStop, which ends the lifecycle where it is.
import { randomUUID } from 'node:crypto';
import type { Answer, RequestSpec, Session } from '../client.js';
import type { Random } from '../random.js';
import { sleep } from '../random.js';
import {
  pathOf,
  RESOURCE_TYPES,
  ScenarioStop,
  type IfLost,
  type Lifecycle,
  type Resource,
  type ResourceDescriptor,
  type ScenarioWorld,
} from './model.js';

/** How long operations wait before verifying again an account whose registry was down, and how often. */
const VERIFY_LATER_MS = 2_000;
const VERIFY_LATER_MAX = 60;

/** Minor units of EUR as the API's decimal string ("1234.05"). */
export const eur = (minor: bigint) => `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;

/** One lifecycle run by one client session, with the staff of the world. */
export class Driver {
  readonly deadline: number;

  constructor(
    readonly world: ScenarioWorld,
    readonly lifecycle: Lifecycle,
    readonly client: Session,
    readonly random: Random,
  ) {
    this.deadline = lifecycle.startedAt + world.lifecycleBudgetMs;
  }

  send(session: Session, spec: Omit<RequestSpec, 'deadline'>): Promise<Answer> {
    return this.world.api.send(session, { ...spec, deadline: this.deadline });
  }

  expect(answer: Answer, status: number, step: string): void {
    if (answer.status === status) return;
    const retried = answer.attempts > 1 ? ` after ${answer.attempts} attempts` : '';
    const gaveUp = answer.gaveUp ? ' (gave up retrying)' : '';
    throw new ScenarioStop(
      answer.gaveUp ? 'gave_up' : 'refused',
      `${step}: ${answer.status} ${answer.code ?? ''}${retried}${gaveUp}`.trim(),
    );
  }

  track(resource: Resource, answer: Answer, expected: readonly string[], step: string): void {
    resource.lastStatus = typeof answer.body?.status === 'string' ? answer.body.status : resource.lastStatus;
    if (!expected.includes(resource.lastStatus ?? '')) {
      throw new ScenarioStop(
        'refused',
        `${step}: answered status ${resource.lastStatus}, expected ${expected.join('|')}`,
      );
    }
  }

  /**
   * A POST that creates something, with one Idempotency-Key for all its attempts. Should the client
   * give up on it, the platform may have made it all the same: `ifLost` says what it would be, and
   * the lifecycle notes it with the key for the checker to find (check-lost.ts).
   */
  async create(
    session: Session,
    path: string,
    payload: Pick<RequestSpec, 'json' | 'form'>,
    step: string,
    ifLost: IfLost,
  ): Promise<Answer> {
    const idempotencyKey = `chaos-${randomUUID()}`;
    const answer = await this.send(session, { method: 'POST', path, ...payload, idempotencyKey });
    if (answer.gaveUp)
      this.lifecycle.lostCreates.push({
        ...ifLost,
        senderId: session.id,
        idempotencyKey,
        ownerId: this.client.id,
        step,
      });
    this.expect(answer, 201, step);
    return answer;
  }

  /** An action on a resource, with one X-Request-Id for all its attempts; expects 200 and a status. */
  async act(
    session: Session,
    resource: Resource,
    path: string,
    json: unknown,
    expected: readonly string[],
    step: string,
  ): Promise<Answer> {
    const answer = await this.send(session, {
      method: 'POST',
      path,
      json,
      requestId: `chaos-${randomUUID()}`,
    });
    this.expect(answer, 200, step);
    this.track(resource, answer, expected, step);
    return answer;
  }

  /**
   * Polls GET until one of `targets` (`A|B`: a timer, the worker or a partner moves it), a settled
   * other status, or the deadline; as the client, or as operations for what only staff read.
   */
  async waitFor(resource: Resource, targets: string): Promise<void> {
    const pollMs = this.world.pollMs;
    const polls = Math.ceil(this.world.lifecycleBudgetMs / pollMs);
    const wanted = targets.split('|');
    const type: ResourceDescriptor = RESOURCE_TYPES[resource.type];
    // Operations read what only staff may, and what another client owns (a batch's settlements).
    const asStaff = type.staffOnly === true || resource.ownerId !== this.client.id;
    const reader = asStaff ? this.world.staff.ops : this.client;
    for (let i = 0; i < polls && Date.now() < this.deadline; i += 1) {
      const answer = await this.send(reader, { method: 'GET', path: pathOf(resource, asStaff) });
      if (answer.status === 200 && typeof answer.body?.status === 'string') {
        resource.lastStatus = answer.body.status;
        if (wanted.includes(resource.lastStatus ?? '')) return;
        if (type.settled.includes(resource.lastStatus ?? '')) break;
      }
      await sleep(pollMs);
    }
    throw new ScenarioStop(
      'timed_out',
      `waiting for ${resource.type} ${targets}: last status ${resource.lastStatus}`,
    );
  }

  /** An account the client adds at `path` (PENDING_VERIFICATION) and operations verify (VERIFIED). */
  async addVerified(
    type: 'bank_account' | 'registry_account',
    path: string,
    body: unknown,
    note: string,
  ): Promise<Resource> {
    const noun = type.replace('_', ' ');
    const created = await this.create(this.client, path, { json: body }, `add ${noun}`, {
      type,
      intended: 'PENDING_VERIFICATION',
      amountMinor: 0n,
    });
    const account = this.add(
      {
        type,
        id: created.body.id,
        workflowId: created.body.workflowId,
        intended: 'VERIFIED',
        amountMinor: 0n,
      },
      created,
    );
    this.track(account, created, ['PENDING_VERIFICATION'], `add ${noun}`);
    await this.verifyWhenPartnerAnswers(account, `/ops${path}/${account.id}/verify`, note, noun);
    return account;
  }

  /**
   * Operations verify the account. While the registry is down the workflow hands the verify back
   * (422 registry_unavailable, "verify again later"; the account stays PENDING_VERIFICATION), and
   * operations do verify again later, each time a new action with its own X-Request-Id.
   */
  private async verifyWhenPartnerAnswers(
    account: Resource,
    path: string,
    note: string,
    noun: string,
  ): Promise<void> {
    const step = `verify ${noun}`;
    for (let attempt = 1; ; attempt += 1) {
      const answer = await this.send(this.world.staff.ops, {
        method: 'POST',
        path,
        json: { note },
        requestId: `chaos-${randomUUID()}`,
      });
      const later = answer.status === 422 && answer.code === 'registry_unavailable';
      if (!later || attempt >= VERIFY_LATER_MAX || Date.now() + VERIFY_LATER_MS >= this.deadline) {
        this.expect(answer, 200, step);
        this.track(account, answer, ['VERIFIED'], step);
        return;
      }
      await sleep(VERIFY_LATER_MS);
    }
  }

  /** Notes an order placed with `clientOrderId` whose answer never came, for the checker to find. */
  lostOrder(clientOrderId: string, intended: string, step: string): void {
    this.lifecycle.lostCreates.push({
      type: 'order',
      ownerId: this.client.id,
      clientReference: clientOrderId,
      intended,
      step,
    });
  }

  /** Records a created resource on the lifecycle, with the status its answer gave. */
  add(resource: Omit<Resource, 'lastStatus' | 'ownerId'> & { ownerId?: string }, answer: Answer): Resource {
    const added: Resource = {
      ownerId: this.client.id,
      ...resource,
      lastStatus: answer.body?.status ?? null,
    };
    this.lifecycle.resources.push(added);
    return added;
  }
}
