// The staff lists beyond lifecycles, sorted by a header: the task inbox, the admins' user list, the
// audit log, and the order blotter's attribute filters. Each: the order asked for (ties by id),
// the whitelist refusing any other column, and keyset paging under every sort yielding each row
// once. A database of its own: the file counts rows of shared tables.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.DATABASE_URL = `${process.env.DATABASE_URL}_sorted_lists`;
});

import { appendAudit } from '../audit/append.js';
import { InvalidCursorError } from '../lifecycle/cursor.js';
import { getPool } from '../pool.js';
import { AUDIT_SORT, auditSortOf, findAuditEntries } from './audit-list.js';
import { findLifecycles } from './lifecycle-lists.js';
import { UnknownSortError, type Sort } from './sorting.js';
import { useOwnDatabase } from '../../tests/support/own-database.js';
import { findTasks, TASK_SORT, taskCounts, taskSortOf } from './task-list.js';
import { findUsers, USER_SORT, userCounts, userSortOf } from './user-list.js';

const pool = getPool();

interface Person {
  id: string;
  email: string;
  name: string;
}
const staff: Person[] = [];
const clients: Person[] = [];
interface SeededTask {
  id: string;
  kind: string;
  role: string;
  status: string;
  assignee: string | null;
  dueAt: string | null;
  priority: number;
  summary: string;
}
const tasks: SeededTask[] = [];

async function addUser(email: string, name: string, role: string, disabled = false, invited = false) {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role, display_name, disabled, password_set_at)
     VALUES ($1, 'x', $2, $3, $4, CASE WHEN $5 THEN NULL ELSE now() END) RETURNING id`,
    [email, role, name, disabled, invited],
  );
  return { id: rows[0]!.id, email, name };
}

async function addLifecycle(type: string, owner: string, attributes: Record<string, unknown>, at: string) {
  const businessId = randomUUID();
  await pool.query(
    `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
     VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, $6, 1)`,
    [`${type}-${businessId}`, type, businessId, owner, JSON.stringify(attributes), at],
  );
  return { businessId, workflowId: `${type}-${businessId}` };
}

useOwnDatabase('_sorted_lists');

beforeAll(async () => {
  staff.push(await addUser('zed@example.test', 'Zed Ops', 'operations'));
  staff.push(await addUser('amy@example.test', 'Amy Ops', 'operations'));
  staff.push(await addUser('kim@example.test', 'Kim Aml', 'aml_officer', true));
  staff.push(await addUser('new@example.test', 'Nia New', 'auditor', false, true));
  clients.push(await addUser('client.one@example.test', 'Cleo One', 'client'));
  clients.push(await addUser('client.two@example.test', 'Cato Two', 'client'));

  // Twelve tasks: priorities and due dates repeat (ties across page ends), some have none.
  for (let i = 0; i < 12; i++) {
    const subject = await addLifecycle(
      'deposit',
      clients[i % 2]!.id,
      { amount: '10.00', reference: `CH-TASK-${String(i).padStart(2, '0')}` },
      new Date(Date.UTC(2026, 0, 1, i)).toISOString(),
    );
    const status = i % 3 === 0 ? 'claimed' : i === 11 ? 'done' : 'open';
    const task: SeededTask = {
      id: randomUUID(),
      kind: i % 4 === 0 ? `reconciliation.break:${randomUUID()}` : 'deposit.confirm_receipt',
      role: i === 5 ? 'aml_officer' : 'operations',
      status,
      assignee: status === 'claimed' ? staff[i % 2]!.id : null,
      dueAt: i % 5 === 0 ? null : new Date(Date.UTC(2026, 0, 2, i % 3)).toISOString(),
      priority: i % 2,
      summary: `Deposit ${i} of ${clients[i % 2]!.name}`,
    };
    tasks.push(task);
    await pool.query(
      `INSERT INTO task (id, kind, workflow_id, subject_type, subject_id, required_role, status, assignee,
                         claimed_at, summary, priority, created_at, due_at, completed_at)
       VALUES ($1, $2, $3, 'deposit', $4, $5, $6, $7, CASE WHEN $7::uuid IS NULL THEN NULL ELSE now() END,
               $8, $9, $10, $11, CASE WHEN $6 = 'done' THEN now() END)`,
      [
        task.id,
        task.kind,
        subject.workflowId,
        subject.businessId,
        task.role,
        task.status,
        task.assignee,
        task.summary,
        task.priority,
        new Date(Date.UTC(2026, 0, 1, Math.floor(i / 2))).toISOString(),
        task.dueAt,
      ],
    );
  }

  // Audit entries by three actors and one anonymous, actions repeating.
  const actors = [staff[0]!, staff[1]!, null];
  for (let i = 0; i < 9; i++) {
    const actor = actors[i % 3];
    await appendAudit(pool, {
      actor: actor ? { id: actor.id, role: 'operations', email: actor.email } : null,
      action: i % 2 === 0 ? 'deposit.confirm' : 'auth.login',
      subject: i % 2 === 0 ? { type: 'deposit', id: `dep-${i % 4}` } : null,
      meta: { requestId: `req-${i}`, ip: null, userAgent: null },
    });
  }

  for (const [i, [symbol, side]] of [
    ['KRBN', 'BUY'],
    ['KRBN', 'SELL'],
    ['ICLN', 'BUY'],
    ['KRBN', 'BUY'],
  ].entries()) {
    await addLifecycle(
      'order',
      clients[0]!.id,
      { symbol, side, quantity: String(10 - i), price: i === 2 ? null : '31.50' },
      new Date(Date.UTC(2026, 0, 3, i)).toISOString(),
    );
  }
});

/** Every page of a cursor-paged list. */
async function everyPage<T>(
  read: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await read(cursor);
    items.push(...page.items);
    if (!page.nextCursor) return items;
    cursor = page.nextCursor;
  }
  throw new Error('the cursor never ended');
}

const OPS_ROLES = ['operations'] as const;

describe('the task inbox sorted (db/lists/task-list)', () => {
  const all = (sort: Sort, limit: number, extra: Partial<Parameters<typeof findTasks>[1]> = {}) =>
    everyPage((cursor) => findTasks(pool, { roles: OPS_ROLES, sort, cursor, limit, ...extra })).then(
      (items) => items.map((t) => t.id),
    );
  const live = () => tasks.filter((t) => t.role === 'operations' && t.status !== 'done');
  const byId = (a: SeededTask, b: SeededTask) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  it('orders by due date, soonest first, tasks without one last, ties by id', async () => {
    const due = (t: SeededTask) => (t.dueAt ? Date.parse(t.dueAt) : Infinity);
    const expected = live().sort((a, b) => due(a) - due(b) || byId(a, b));
    expect(await all({ column: 'due', dir: 'asc' }, 200)).toEqual(expected.map((t) => t.id));
    expect(await all({ column: 'due', dir: 'desc' }, 200)).toEqual(expected.map((t) => t.id).reverse());
  });

  it('orders by assignee name (unclaimed first) and keeps to the roles and live tasks', async () => {
    const ids = await all({ column: 'assignee', dir: 'asc' }, 200);
    const assigned = ids.map((id) => tasks.find((t) => t.id === id)!.assignee);
    const names = assigned.map((a) => (a ? staff.find((s) => s.id === a)!.name.toLowerCase() : ''));
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('');
    expect(names.at(-1)).toBe('zed ops');
    expect([...ids].sort()).toEqual(
      live()
        .map((t) => t.id)
        .sort(),
    );
    // The AML officer's task and the done one are not an operator's inbox.
    expect(ids).not.toContain(tasks[5]!.id);
    expect(ids).not.toContain(tasks[11]!.id);
  });

  it('pages under every sort of the whitelist yield every row once', async () => {
    for (const column of Object.keys(TASK_SORT.columns)) {
      for (const dir of ['asc', 'desc'] as const) {
        const whole = await all({ column, dir }, 200);
        expect(whole).toHaveLength(live().length);
        for (const limit of [1, 3])
          expect(await all({ column, dir }, limit), `${column} ${dir}`).toEqual(whole);
      }
    }
  });

  it('filters by kind prefix, assignee and search text, combined with the sort', async () => {
    const breaks = await all({ column: 'created', dir: 'asc' }, 2, { kind: 'reconciliation.break' });
    expect(breaks.sort()).toEqual(
      live()
        .filter((t) => t.kind.startsWith('reconciliation.break:'))
        .map((t) => t.id)
        .sort(),
    );
    const amys = await all({ column: 'kind', dir: 'asc' }, 1, { assignee: staff[1]!.id });
    expect(amys.sort()).toEqual(
      tasks
        .filter((t) => t.assignee === staff[1]!.id && t.status !== 'done')
        .map((t) => t.id)
        .sort(),
    );
    // The subject's reference and the client's name are found too.
    expect(await all({ column: 'kind', dir: 'asc' }, 5, { text: 'CH-TASK-07' })).toEqual([tasks[7]!.id]);
    const cato = await all({ column: 'kind', dir: 'asc' }, 5, { text: 'cato two' });
    expect(cato.sort()).toEqual(
      live()
        .filter((t) => t.summary.includes('Cato Two'))
        .map((t) => t.id)
        .sort(),
    );
  });

  it('counts live tasks per kind, overdue and mine', async () => {
    const counts = await taskCounts(pool, OPS_ROLES, staff[1]!.id);
    expect(counts.live).toBe(live().length);
    expect(counts.byKind['reconciliation.break']).toBe(
      live().filter((t) => t.kind.startsWith('reconciliation.break')).length,
    );
    // Every seeded due date is in the past.
    expect(counts.overdue).toBe(live().filter((t) => t.dueAt !== null).length);
    expect(counts.mine).toBe(live().filter((t) => t.assignee === staff[1]!.id).length);
    expect((await taskCounts(pool, [], staff[1]!.id)).live).toBe(0);
  });

  it('refuses a column outside the whitelist and a cursor of another sort', async () => {
    expect(() => taskSortOf('due; DELETE FROM task', 'asc')).toThrow(UnknownSortError);
    expect(() => taskSortOf('workflow_id', null)).toThrow(UnknownSortError);
    expect(() => taskSortOf('due', 'up')).toThrow(UnknownSortError);
    const first = await findTasks(pool, { roles: OPS_ROLES, sort: { column: 'due', dir: 'asc' }, limit: 2 });
    await expect(
      findTasks(pool, { roles: OPS_ROLES, sort: { column: 'kind', dir: 'asc' }, cursor: first.nextCursor }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('the user list sorted (db/lists/user-list)', () => {
  const all = (sort: Sort, limit: number, extra: Partial<Parameters<typeof findUsers>[1]> = {}) =>
    everyPage(async (cursor) => {
      const page = await findUsers(pool, { sort, cursor, limit, ...extra });
      return { items: page.users, nextCursor: page.nextCursor };
    });

  it('orders by name, by email and by status, paging each row once', async () => {
    const byName = (await all({ column: 'name', dir: 'asc' }, 200)).map((u) => u.displayName);
    expect(byName).toEqual([...byName].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    expect(byName).toHaveLength(staff.length + clients.length);
    for (const column of Object.keys(USER_SORT.columns)) {
      for (const dir of ['asc', 'desc'] as const) {
        const whole = (await all({ column, dir }, 200)).map((u) => u.id);
        expect(
          (await all({ column, dir }, 2)).map((u) => u.id),
          `${column} ${dir}`,
        ).toEqual(whole);
      }
    }
    const byStatus = await all({ column: 'status', dir: 'desc' }, 3);
    expect(byStatus[0]!.passwordSet).toBe(false); // invited > disabled > active
    expect(byStatus[1]!.disabled).toBe(true);
  });

  it('filters by role, status and search, and counts per role and status', async () => {
    expect(
      (await all({ column: 'email', dir: 'asc' }, 1, { role: 'operations' })).map((u) => u.email),
    ).toEqual(['amy@example.test', 'zed@example.test']);
    expect(
      (await all({ column: 'email', dir: 'asc' }, 5, { status: 'invited' })).map((u) => u.email),
    ).toEqual(['new@example.test']);
    expect(
      (await all({ column: 'name', dir: 'asc' }, 5, { search: 'CLIENT.' })).map((u) => u.displayName),
    ).toEqual(['Cato Two', 'Cleo One']);
    const counts = await userCounts(pool);
    expect(counts.byRole).toEqual({ operations: 2, aml_officer: 1, auditor: 1, client: 2 });
    expect(counts.byStatus).toEqual({ active: 4, disabled: 1, invited: 1 });
  });

  it('refuses a column outside the whitelist', () => {
    expect(() => userSortOf('password_hash', 'asc')).toThrow(UnknownSortError);
    expect(userSortOf(null, null)).toEqual({ column: 'created', dir: 'desc' });
  });
});

describe('the audit log sorted (db/lists/audit-list)', () => {
  const all = (sort: Sort, limit: number, extra: Partial<Parameters<typeof findAuditEntries>[1]> = {}) =>
    everyPage((cursor) => findAuditEntries(pool, { sort, cursor, limit, ...extra }));

  it('orders by entry number as a number, by actor and by action', async () => {
    const seqs = (await all({ column: 'seq', dir: 'asc' }, 4)).map((e) => Number(e.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs.length).toBeGreaterThanOrEqual(9);
    const actors = (await all({ column: 'actor', dir: 'asc' }, 200)).map((e) => e.actor?.email ?? '');
    expect(actors).toEqual([...actors].sort());
    expect(actors[0]).toBe('');
    const actions = (await all({ column: 'action', dir: 'desc' }, 200)).map((e) => e.action);
    expect(actions).toEqual([...actions].sort().reverse());
  });

  it('pages under every sort once, filters and search combined', async () => {
    for (const column of Object.keys(AUDIT_SORT.columns)) {
      for (const dir of ['asc', 'desc'] as const) {
        const whole = (await all({ column, dir }, 200)).map((e) => e.id);
        expect(
          (await all({ column, dir }, 2)).map((e) => e.id),
          `${column} ${dir}`,
        ).toEqual(whole);
      }
    }
    const amy = await all({ column: 'subject', dir: 'asc' }, 1, { actorId: staff[1]!.id });
    expect(amy.every((e) => e.actor?.id === staff[1]!.id)).toBe(true);
    expect(amy).toHaveLength(3);
    expect(await all({ column: 'seq', dir: 'asc' }, 5, { action: 'auth.*' })).toHaveLength(4);
    expect((await all({ column: 'seq', dir: 'asc' }, 5, { text: 'req-7' })).map((e) => e.requestId)).toEqual([
      'req-7',
    ]);
  });

  it('refuses a column outside the whitelist and a cursor of another sort', async () => {
    expect(() => auditSortOf('hash', 'asc')).toThrow(UnknownSortError);
    const first = await findAuditEntries(pool, { sort: { column: 'seq', dir: 'desc' }, limit: 2 });
    await expect(
      findAuditEntries(pool, { sort: { column: 'actor', dir: 'desc' }, cursor: first.nextCursor }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('the order blotter sorted (lifecycle lists with attribute filters)', () => {
  it('filters by symbol and side and sorts by quantity, market orders below priced by price', async () => {
    const krbnBuys = await findLifecycles(pool, {
      type: 'order',
      attributes: { symbol: 'KRBN', side: 'BUY' },
      sort: { column: 'quantity', dir: 'asc' },
    });
    expect(krbnBuys.items).toHaveLength(2);
    const byPrice = await everyPage((cursor) =>
      findLifecycles(pool, { type: 'order', sort: { column: 'price', dir: 'asc' }, cursor, limit: 1 }),
    );
    expect(byPrice).toHaveLength(4);
    const { rows } = await pool.query<{ business_id: string }>(
      `SELECT business_id FROM lifecycle WHERE type = 'order' AND attributes->>'symbol' = 'ICLN'`,
    );
    expect(byPrice[0]!.businessId).toBe(rows[0]!.business_id);
    // A key from the URL is a bound parameter: an odd one finds nothing rather than failing.
    const odd = await findLifecycles(pool, { type: 'order', attributes: { "symbol' OR '1'='1": 'x' } });
    expect(odd.items).toEqual([]);
  });
});
