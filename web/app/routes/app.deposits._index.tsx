import { randomUUID } from 'node:crypto';
import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { CopyValue } from '../components/CopyButton.js';
import { Money } from '../components/Money.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Deposits · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const cursor = new URL(request.url).searchParams.get('cursor') ?? undefined;
  const page = await context.services.deposits.list(user, { limit: 50, cursor });
  // A fresh key per rendered form: submitting the same form twice announces one deposit, not two.
  return { page, idempotencyKey: randomUUID() };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const form = await request.formData();
  let createdId: string | null = null;
  const result = await attempt(async () => {
    const deposit = await context.services.deposits.create(
      user,
      {
        amount: String(form.get('amount') ?? ''),
        currency: String(form.get('currency') ?? ''),
        wireReference: String(form.get('wireReference') ?? '') || undefined,
      },
      String(form.get('idempotencyKey') ?? randomUUID()),
    );
    createdId = deposit.id;
  });
  if (result.ok && createdId) return redirect(`/app/deposits/${createdId}`);
  return result;
}

export default function Deposits() {
  const { page, idempotencyKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const error = result && !result.ok ? result : null;
  return (
    <>
      <h1>Deposits</h1>
      <section className="card">
        <h2>Announce a wire transfer</h2>
        <p className="muted">
          Tell us what you are sending; we show the account to wire it to and a reference that matches the
          transfer to you. Funds become available after receipt and the AML hold.
        </p>
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
              aria-describedby={error?.fields?.amount ? 'amount-error' : undefined}
            />
            {error?.fields?.amount ? (
              <span id="amount-error" className="error">
                {error.fields.amount}
              </span>
            ) : null}
          </label>
          <label>
            Currency
            <select name="currency" defaultValue="EUR">
              <option value="EUR">EUR</option>
              <option value="USD">USD</option>
            </select>
          </label>
          <label>
            Your reference (optional)
            <input name="wireReference" maxLength={140} />
          </label>
          <button type="submit" disabled={navigation.state === 'submitting'}>
            Announce deposit
          </button>
        </Form>
        {error ? (
          <p className="error" role="alert">
            {error.error}
          </p>
        ) : null}
      </section>
      <table className="grid">
        <thead>
          <tr>
            <th>Announced</th>
            <th className="num">Amount</th>
            <th>Reference</th>
            <th>Status</th>
            <th className="num">Received</th>
          </tr>
        </thead>
        <tbody>
          {page.items.length === 0 ? (
            <tr>
              <td colSpan={5} className="muted">
                No deposits yet.
              </td>
            </tr>
          ) : (
            page.items.map((d) => (
              <tr key={d.id} data-deposit-id={d.id}>
                <td>
                  <Link to={`/app/deposits/${d.id}`}>
                    <Time at={d.createdAt} />
                  </Link>
                </td>
                <td className="num">
                  <Money amount={d.amount} asset={d.currency} />
                </td>
                <td>
                  <CopyValue value={d.instructions.reference} label="reference" />
                </td>
                <td>
                  <StatusBadge status={d.status} />
                </td>
                <td className="num">
                  <Money amount={d.receivedAmount} asset={d.currency} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {page.nextCursor ? (
        <p>
          <Link to={`?cursor=${encodeURIComponent(page.nextCursor)}`}>Older deposits →</Link>
        </p>
      ) : null}
    </>
  );
}
