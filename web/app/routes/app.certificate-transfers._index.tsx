import { randomUUID } from 'node:crypto';
import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Certificate transfers · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const cursor = new URL(request.url).searchParams.get('cursor') ?? undefined;
  const [page, options] = await Promise.all([
    context.services.certificateTransfers.list(user, { limit: 50, cursor }),
    context.services.certificateTransfers.formOptions(user),
  ]);
  // A fresh key per rendered form: submitting the same form twice makes one transfer, not two.
  return { page, ...options, idempotencyKey: randomUUID() };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const form = await request.formData();
  const text = (name: string) => String(form.get(name) ?? '').trim();
  let createdId: string | null = null;
  const result = await attempt(async () => {
    const transfer = await context.services.certificateTransfers.create(
      user,
      {
        direction: text('direction'),
        asset: text('asset'),
        quantity: text('quantity'),
        registryAccountId: text('registryAccountId'),
      },
      text('idempotencyKey') || randomUUID(),
    );
    createdId = transfer.id;
  });
  if (result.ok && createdId) return redirect(`/app/certificate-transfers/${createdId}`);
  return result;
}

/** The contract's error codes in words a client can act on. */
const ERROR_WORDS: Record<string, string> = {
  insufficient_position: 'You do not have that many certificates available.',
  kyc_required: 'Certificate transfers need an approved identity check (KYC). Complete your KYC first.',
  registry_account_unverified: 'This registry account is not verified yet; pick a verified account.',
  registry_mismatch: 'EUA move through an EU Union Registry account, CEA through a Chinese registry account.',
  not_found: 'That registry account was not found among yours.',
};

export default function CertificateTransfers() {
  const { page, accounts, available, idempotencyKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const error = result && !result.ok ? result : null;
  return (
    <>
      <h1>Certificate transfers</h1>
      <section className="card">
        <h2>Move certificates</h2>
        <p className="muted">
          In: transfer certificates from your registry account to ours, then tell us here; they become
          available once our team sees them arrive. Out: the certificates are reserved at once and delivered
          to your registry account after approval (large quantities need two approvers).
        </p>
        <dl className="kv" aria-label="Available certificates">
          {available.map((b) => (
            <div key={b.asset} style={{ display: 'contents' }}>
              <dt>Available {b.asset}</dt>
              <dd data-testid={`available-${b.asset}`}>
                {b.available} {b.asset}
              </dd>
            </div>
          ))}
        </dl>
        {accounts.length === 0 ? (
          <p className="muted">
            You have no verified registry account yet. <Link to="/app/registry-accounts">Add one</Link> first.
          </p>
        ) : (
          <Form method="post" className="row" aria-label="Move certificates">
            <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
            <label>
              Direction
              <select name="direction" defaultValue="IN">
                <option value="IN">In (to us)</option>
                <option value="OUT">Out (to my account)</option>
              </select>
            </label>
            <label>
              Certificate
              <select name="asset" defaultValue="EUA">
                <option value="EUA">EUA</option>
                <option value="CEA">CEA</option>
              </select>
            </label>
            <label>
              Quantity
              <input name="quantity" required inputMode="numeric" pattern="[0-9]+" size={10} />
            </label>
            <label>
              Registry account
              <select name="registryAccountId" required>
                {accounts.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.accountId} ({a.registry})
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" disabled={busy}>
              Submit
            </button>
          </Form>
        )}
        {error ? (
          <p className="error" role="alert">
            {ERROR_WORDS[error.code] ?? error.error}
          </p>
        ) : null}
      </section>
      <table className="grid">
        <thead>
          <tr>
            <th>Requested</th>
            <th>Direction</th>
            <th>Quantity</th>
            <th>Registry account</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={5} className="muted">
                No certificate transfers yet.
              </td>
            </tr>
          ) : (
            page.items.map((t) => (
              <tr key={t.id} data-certificate-transfer-id={t.id}>
                <td>
                  <Link to={`/app/certificate-transfers/${t.id}`}>{formatTime(t.createdAt)}</Link>
                </td>
                <td>{t.direction}</td>
                <td>
                  {t.quantity} {t.asset}
                </td>
                <td>{t.registryAccount?.accountId ?? ''}</td>
                <td>
                  <StatusBadge status={t.status} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {page.nextCursor ? (
        <p>
          <Link to={`?cursor=${encodeURIComponent(page.nextCursor)}`}>Older transfers →</Link>
        </p>
      ) : null}
    </>
  );
}
