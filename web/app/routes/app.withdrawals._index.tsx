import { randomUUID } from 'node:crypto';
import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { groupIban } from '../../../domain/withdrawal.js';
import { attempt } from '../action-result.server.js';
import { CopyValue } from '../components/CopyButton.js';
import { Money } from '../components/Money.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Withdrawals · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const cursor = new URL(request.url).searchParams.get('cursor') ?? undefined;
  const [page, options] = await Promise.all([
    context.services.withdrawals.list(user, { limit: 50, cursor }),
    context.services.withdrawals.formOptions(user),
  ]);
  // A fresh key per rendered form: submitting the same form twice requests one withdrawal, not two.
  return { page, ...options, idempotencyKey: randomUUID() };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const form = await request.formData();
  let createdId: string | null = null;
  const result = await attempt(async () => {
    const withdrawal = await context.services.withdrawals.create(
      user,
      {
        amount: String(form.get('amount') ?? '').trim(),
        currency: String(form.get('currency') ?? ''),
        bankAccountId: String(form.get('bankAccountId') ?? ''),
      },
      String(form.get('idempotencyKey') ?? randomUUID()),
    );
    createdId = withdrawal.id;
  });
  if (result.ok && createdId) return redirect(`/app/withdrawals/${createdId}`);
  return result;
}

/** The contract's error codes in words a client can act on. */
const ERROR_WORDS: Record<string, string> = {
  insufficient_funds: 'Your available balance does not cover this amount.',
  kyc_required: 'Withdrawals need an approved identity check (KYC). Complete your KYC first.',
  bank_account_unverified: 'This bank account is not verified yet; pick a verified account.',
  not_found: 'That bank account was not found among yours.',
};

export default function Withdrawals() {
  const { page, accounts, available, idempotencyKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const error = result && !result.ok ? result : null;
  return (
    <>
      <h1>Withdrawals</h1>
      <section className="card">
        <h2>Request a withdrawal</h2>
        <p className="muted">
          The amount is reserved on your available balance at once and paid to your bank account after our
          operations team approves it. Large amounts need two approvers.
        </p>
        <dl className="kv" aria-label="Available balance">
          {available.map((b) => (
            <div key={b.currency} style={{ display: 'contents' }}>
              <dt>Available {b.currency}</dt>
              <dd data-testid={`available-${b.currency}`}>
                <Money amount={b.available} asset={b.currency} />
              </dd>
            </div>
          ))}
        </dl>
        {accounts.length === 0 ? (
          <p className="muted">
            You have no verified bank account yet. <Link to="/app/bank-accounts">Add one</Link>; once we have
            verified it you can withdraw to it.
          </p>
        ) : (
          <Form method="post" className="row">
            <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
            <label>
              Amount
              <input
                name="amount"
                inputMode="decimal"
                placeholder="1250.50"
                required
                aria-invalid={Boolean(error?.fields?.amount)}
              />
            </label>
            <label>
              Currency
              <select name="currency" defaultValue="EUR">
                <option value="EUR">EUR</option>
                <option value="USD">USD</option>
              </select>
            </label>
            <label>
              To account
              <select name="bankAccountId" defaultValue={accounts[0]!.id}>
                {accounts.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.bankName} · {groupIban(a.iban)} ({a.accountName})
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" disabled={navigation.state === 'submitting'}>
              Request withdrawal
            </button>
          </Form>
        )}
        {error ? (
          <p className="error" role="alert">
            {ERROR_WORDS[error.code] ?? error.error}
            {error.fields && Object.keys(error.fields).length
              ? ` ${Object.entries(error.fields)
                  .map(([field, message]) => `${field}: ${message}`)
                  .join('; ')}`
              : ''}
          </p>
        ) : null}
      </section>
      <table className="grid">
        <thead>
          <tr>
            <th>Requested</th>
            <th className="num">Amount</th>
            <th>To</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={4} className="muted">
                No withdrawals yet.
              </td>
            </tr>
          ) : (
            page.items.map((w) => (
              <tr key={w.id} data-withdrawal-id={w.id}>
                <td>
                  <Link to={`/app/withdrawals/${w.id}`}>
                    <Time at={w.createdAt} />
                  </Link>
                </td>
                <td className="num">
                  <Money amount={w.amount} asset={w.currency} />
                </td>
                <td>
                  {w.bankAccount ? <CopyValue value={groupIban(w.bankAccount.iban)} label="IBAN" /> : '—'}
                </td>
                <td>
                  <StatusBadge status={w.status} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {page.nextCursor ? (
        <p>
          <Link to={`?cursor=${encodeURIComponent(page.nextCursor)}`}>Older withdrawals →</Link>
        </p>
      ) : null}
    </>
  );
}
