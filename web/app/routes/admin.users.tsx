import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { CsvExportLink, NextPageLink, SortHeader, StatusCounts } from '../components/ListControls.js';
import { Time } from '../components/Time.js';
import { requireUser } from '../session.server.js';
import { userListRequest } from '../user-list.server.js';

export const meta: MetaFunction = () => [{ title: 'Users · administration · clearhouse' }];

const ROLES = ['client', 'operations', 'aml_officer', 'auditor', 'admin'] as const;
/** How the list names a user's access (db/lists/user-list.ts). */
const USER_STATUSES = ['active', 'invited', 'disabled'] as const;
const PAGE = 50;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['admin']);
  const users = userListRequest(request, context.services.admin, user);
  const [page, counts] = await Promise.all([
    users.read(users.cursor, PAGE),
    context.services.admin.userLists.counts(user),
  ]);
  const sort = users.sort;
  return { me: user.id, page, counts, sort };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['admin']);
  const form = await request.formData();
  const admin = context.services.admin;
  const intent = String(form.get('intent') ?? '');
  const id = String(form.get('id') ?? '');
  if (intent === 'invite') {
    const email = String(form.get('email') ?? '');
    return attempt(
      () =>
        admin.invite(user, {
          email,
          role: String(form.get('role') ?? ''),
          name: String(form.get('name') ?? ''),
        }),
      `Invitation sent to ${email}: the link works for 72 hours.`,
    );
  }
  if (intent === 'role') {
    const role = String(form.get('role') ?? '');
    return attempt(() => admin.change(user, id, 'role', { role }), `Role changed to ${role}.`);
  }
  if (intent === 'disable' || intent === 'enable') {
    return attempt(
      () => admin.change(user, id, intent),
      intent === 'disable'
        ? 'User disabled: their sessions have ended.'
        : 'User enabled: they can sign in again.',
    );
  }
  return { ok: false as const, error: 'unknown action', code: 'validation_failed' };
}

export default function AdminUsers() {
  const { me, page, counts, sort } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const confirmId = params.get('confirm');
  const confirming = result?.ok ? null : page.items.find((u) => u.id === confirmId);
  const back = new URLSearchParams(params);
  back.delete('confirm');
  const confirmLink = (id: string) => {
    const next = new URLSearchParams(params);
    next.set('confirm', id);
    return `?${next}`;
  };
  return (
    <>
      <div className="row between">
        <h1>Users</h1>
        <CsvExportLink path="/admin/users.csv" />
      </div>
      <StatusCounts statuses={USER_STATUSES} counts={counts.byStatus} status={params.get('status') ?? ''} />
      <StatusCounts
        statuses={ROLES}
        counts={counts.byRole}
        status={params.get('role') ?? ''}
        param="role"
        label="Counts per role"
      />
      <ActionMessage result={result} />
      {confirming ? (
        <section className="card confirm" role="alertdialog" aria-label={`Disable ${confirming.email}`}>
          <h2>Disable {confirming.email}?</h2>
          <p>Every session of this user ends at once; they cannot sign in until enabled again.</p>
          <Form method="post" className="row">
            <input type="hidden" name="id" value={confirming.id} />
            <button type="submit" name="intent" value="disable" className="danger">
              Disable
            </button>
            <Link to={`?${back}`}>Back</Link>
          </Form>
        </section>
      ) : null}
      <section className="card">
        <h2>Invite someone</h2>
        <Form method="post" className="row" data-testid="invite">
          <label>
            Email
            <input name="email" type="email" required maxLength={320} autoComplete="off" />
          </label>
          <label>
            Name
            <input name="name" required maxLength={200} />
          </label>
          <label>
            Role
            <select name="role" defaultValue="operations">
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" name="intent" value="invite">
            Send invitation
          </button>
        </Form>
      </section>
      <Form method="get" className="row" role="search">
        <label>
          Search
          <input name="q" defaultValue={params.get('q') ?? ''} placeholder="email or name" />
        </label>
        <label>
          Role
          <select name="role" defaultValue={params.get('role') ?? ''}>
            <option value="">any</option>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status" defaultValue={params.get('status') ?? ''}>
            <option value="">any</option>
            {USER_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <input type="hidden" name="sort" value={sort.column} />
        <input type="hidden" name="dir" value={sort.dir} />
        <button type="submit">Filter</button>
      </Form>
      <p className="muted" aria-live="polite">
        {page.items.length} shown
      </p>
      <table className="grid" data-testid="users">
        <thead>
          <tr>
            <SortHeader column="name" label="Person" sort={sort} />
            <SortHeader column="role" label="Role" sort={sort} />
            <SortHeader column="status" label="Status" sort={sort} />
            <th scope="col">Two-factor</th>
            <SortHeader column="created" label="Since" sort={sort} firstDir="desc" />
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((u) => (
            <tr key={u.id} data-email={u.email}>
              <td>
                <strong>{u.name || u.email}</strong> <span className="muted">{u.email}</span>
              </td>
              <td>
                {u.id === me ? (
                  u.role
                ) : (
                  <Form method="post" className="row">
                    <input type="hidden" name="id" value={u.id} />
                    <label className="visually-hidden" htmlFor={`role-${u.id}`}>
                      Role of {u.email}
                    </label>
                    <select id={`role-${u.id}`} name="role" defaultValue={u.role}>
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          {role}
                        </option>
                      ))}
                    </select>
                    <button type="submit" name="intent" value="role">
                      Change
                    </button>
                  </Form>
                )}
              </td>
              <td>{u.status}</td>
              <td>{u.twoFactor ? 'on' : 'off'}</td>
              <td>
                <Time at={u.createdAt} age={false} />
              </td>
              <td>
                {u.id === me ? (
                  <span className="muted">you</span>
                ) : u.status === 'disabled' ? (
                  <Form method="post">
                    <input type="hidden" name="id" value={u.id} />
                    <button type="submit" name="intent" value="enable">
                      Enable
                    </button>
                  </Form>
                ) : (
                  <Link to={confirmLink(u.id)} className="danger-link">
                    Disable…
                  </Link>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} />
    </>
  );
}
