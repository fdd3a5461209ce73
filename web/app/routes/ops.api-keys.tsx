import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { API_KEY_NAME_MAX, API_KEY_SCOPE_LABELS, API_KEY_SCOPES } from '../../../domain/api-keys.js';
import { attempt, type ActionResult } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import {
  CsvExportLink,
  ListFilters,
  NextPageLink,
  SortHeader,
  StatusCounts,
} from '../components/ListControls.js';
import { personName } from '../components/Person.js';
import { Time } from '../components/Time.js';
import { requireUser } from '../session.server.js';
import { API_KEY_STATUS_FILTERS, apiKeyListRequest } from '../key-lists.server.js';

export const meta: MetaFunction = () => [{ title: 'API keys · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['admin']);
  const services = context.services.marketMakers;
  const { query, searching, read } = apiKeyListRequest(request, services, user);
  const [page, counts] = await Promise.all([read(query.cursor, query.limit), services.keyList.counts(user)]);
  return {
    ...page,
    counts,
    statuses: API_KEY_STATUS_FILTERS,
    status: query.status ?? '',
    sort: query.sort,
    searching,
  };
}

/** The date input gives a day; a key then lives until the end of that day in UTC. */
function expiryOf(day: string): string | null {
  const trimmed = day.trim();
  if (trimmed === '') return null;
  return /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? `${trimmed}T23:59:59Z` : trimmed;
}

export async function action({
  context,
  request,
}: ActionFunctionArgs): Promise<ActionResult & { key?: string; prefix?: string }> {
  const user = requireUser(context, request, ['admin']);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const services = context.services.marketMakers;
  if (intent === 'issue') {
    // attempt() keeps only success or the error; the key itself comes back through this closure.
    let issued: { key: string; apiKey: { prefix: string; ownerEmail: string } } | null = null;
    const result = await attempt(async () => {
      issued = await services.issue(user, {
        ownerEmail: String(form.get('ownerEmail') ?? ''),
        name: String(form.get('name') ?? ''),
        scopes: form.getAll('scopes').map(String),
        expiresAt: expiryOf(String(form.get('expiresAt') ?? '')),
      });
    });
    const done = issued as { key: string; apiKey: { prefix: string; ownerEmail: string } } | null;
    if (!result.ok || done === null) return result;
    return {
      ok: true,
      message: `Key issued to ${done.apiKey.ownerEmail}.`,
      key: done.key,
      prefix: done.apiKey.prefix,
    };
  }
  if (intent === 'revoke') {
    const id = String(form.get('id') ?? '');
    return attempt(() => services.revoke(user, id), 'Key revoked: its next request is refused.');
  }
  return { ok: false, error: 'unknown action', code: 'validation_failed' };
}

export default function ApiKeys() {
  const page = useLoaderData<typeof loader>();
  const { sort, status, statuses } = page;
  const result = useActionData<typeof action>();
  const fields = result && !result.ok ? (result.fields ?? {}) : {};
  const ownerError = fields.ownerEmail ?? fields.ownerId;
  return (
    <>
      <div className="row between">
        <h1>API keys</h1>
        <CsvExportLink path="/ops/api-keys.csv" />
      </div>
      <p className="muted">
        Keys let a market maker’s program trade as that client, within the scopes given. Only a hash is kept:
        the key is shown once, right after it is issued.
      </p>
      <ActionMessage result={result} />
      {result?.ok && result.key ? (
        <section className="card" role="status" data-testid="new-key">
          <h2>The new key — copy it now</h2>
          <p>
            This is the only time the key is shown. Hand it to the market maker over a secure channel; if it
            is lost, revoke it and issue another.
          </p>
          <pre>
            <code data-testid="new-key-value">{result.key}</code>
          </pre>
          <p className="muted">In the list below it appears as {result.prefix}…</p>
        </section>
      ) : null}
      <section className="card">
        <h2>Issue a key</h2>
        <Form method="post" data-testid="issue">
          <div className="row">
            <label>
              Owner (client email)
              <input
                name="ownerEmail"
                type="email"
                required
                maxLength={320}
                autoComplete="off"
                aria-invalid={ownerError ? true : undefined}
              />
              {ownerError ? <span className="field-error">{ownerError}</span> : null}
            </label>
            <label>
              Name
              <input
                name="name"
                required
                maxLength={API_KEY_NAME_MAX}
                placeholder="quoting bot"
                aria-invalid={fields.name ? true : undefined}
              />
              {fields.name ? <span className="field-error">{fields.name}</span> : null}
            </label>
            <label>
              Expires (optional, end of day UTC)
              <input name="expiresAt" type="date" aria-invalid={fields.expiresAt ? true : undefined} />
              {fields.expiresAt ? <span className="field-error">{fields.expiresAt}</span> : null}
            </label>
          </div>
          <fieldset>
            <legend>Scopes</legend>
            {API_KEY_SCOPES.map((scope) => (
              <label key={scope} className="check">
                <input
                  type="checkbox"
                  name="scopes"
                  value={scope}
                  defaultChecked={scope !== 'orders:write'}
                />{' '}
                <code>{scope}</code> <span className="muted">{API_KEY_SCOPE_LABELS[scope]}</span>
              </label>
            ))}
            {fields.scopes ? <span className="field-error">{fields.scopes}</span> : null}
          </fieldset>
          <button type="submit" name="intent" value="issue">
            Issue key
          </button>
        </Form>
      </section>
      <StatusCounts statuses={statuses} counts={page.counts} status={status} />
      <ListFilters statuses={statuses} status={status} searchLabel="Search (prefix, name or owner)" />
      <p className="muted" aria-live="polite">
        {page.searching ? `${page.items.length} found on this page` : `${page.items.length} shown`}
      </p>
      <table className="grid" data-testid="api-keys">
        <thead>
          <tr>
            <SortHeader column="name" label="Key" sort={sort} />
            <SortHeader column="prefix" label="Prefix" sort={sort} />
            <SortHeader column="owner" label="Owner" sort={sort} />
            <th scope="col">Scopes</th>
            <SortHeader column="created" label="Created" sort={sort} firstDir="desc" />
            <SortHeader column="used" label="Last used" sort={sort} firstDir="desc" />
            <SortHeader column="expires" label="Expires" sort={sort} />
            <SortHeader column="status" label="Status" sort={sort} />
            <th scope="col">
              <span className="visually-hidden">Revoke</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={9} className="muted">
                {page.searching || status ? 'No API key matches.' : 'No API keys yet.'}
              </td>
            </tr>
          ) : null}
          {page.items.map((k) => (
            <tr key={k.id} data-prefix={k.prefix} data-status={k.status}>
              <td>
                <strong>{k.name}</strong>
              </td>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>
                <Link to={`/ops/market-makers/${k.ownerId}`}>{personName(page.people, k.ownerId)}</Link>
              </td>
              <td>
                {k.scopes.map((s) => (
                  <code key={s}>{s} </code>
                ))}
              </td>
              <td>
                <Time at={k.createdAt} />
              </td>
              <td>{k.lastUsedAt ? <Time at={k.lastUsedAt} /> : <span className="muted">never</span>}</td>
              <td>
                {k.expiresAt ? <Time at={k.expiresAt} age={false} /> : <span className="muted">never</span>}
              </td>
              <td>
                {k.status.replaceAll('_', ' ')}
                {k.revokedAt ? (
                  <span className="muted">
                    {' '}
                    <Time at={k.revokedAt} age={false} />
                  </span>
                ) : null}
              </td>
              <td>
                {k.revokedAt === null ? (
                  <Form method="post">
                    <input type="hidden" name="id" value={k.id} />
                    <ConfirmButton
                      label="Revoke…"
                      question={`Revoke ${k.name} (${k.prefix}…)? Its next request is refused; this cannot be undone.`}
                      confirmLabel="Yes, revoke it"
                      name="intent"
                      value="revoke"
                    />
                  </Form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <NextPageLink cursor={page.nextCursor} />
    </>
  );
}
