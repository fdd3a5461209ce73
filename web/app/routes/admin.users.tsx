import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Users · administration · clearhouse' }];

const ROLES = ['client', 'operations', 'aml_officer', 'auditor', 'admin'] as const;
const PAGE = 50;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['admin']);
  const url = new URL(request.url);
  const query: Record<string, string> = { limit: String(PAGE) };
  for (const key of ['q', 'role', 'status', 'offset']) {
    const value = url.searchParams.get(key);
    if (value) query[key] = value;
  }
  return { me: user.id, page: await context.services.admin.users(user, query) };
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
  const { me, page } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const offset = Number(params.get('offset') ?? 0);
  const confirmId = params.get('confirm');
  const confirming = result?.ok ? null : page.items.find((u) => u.id === confirmId);
  const pageLink = (to: number) => {
    const next = new URLSearchParams(params);
    next.set('offset', String(Math.max(0, to)));
    next.delete('confirm');
    return `?${next.toString()}`;
  };
  return (
    <>
      <h1>Users</h1>
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
            <Link to="/admin/users">Back</Link>
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
            <option value="active">active</option>
            <option value="disabled">disabled</option>
          </select>
        </label>
        <button type="submit">Filter</button>
      </Form>
      <p className="muted">
        {page.total} {page.total === 1 ? 'user' : 'users'}
        {page.total > 0 ? ` · ${offset + 1}–${Math.min(offset + page.items.length, page.total)}` : ''}
      </p>
      <table className="grid" data-testid="users">
        <thead>
          <tr>
            <th>Person</th>
            <th>Role</th>
            <th>Status</th>
            <th>Two-factor</th>
            <th />
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
                  <Link to={`?confirm=${u.id}`} className="danger-link">
                    Disable…
                  </Link>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav className="row" aria-label="Pages">
        {offset > 0 ? <Link to={pageLink(offset - PAGE)}>Previous</Link> : null}
        {offset + page.items.length < page.total ? <Link to={pageLink(offset + PAGE)}>Next</Link> : null}
      </nav>
    </>
  );
}
