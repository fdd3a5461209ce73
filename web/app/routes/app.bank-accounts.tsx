import { randomUUID } from 'node:crypto';
import {
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
  type SerializeFrom,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { CopyValue } from '../components/CopyButton.js';
import { Time } from '../components/Time.js';
import { StatusBadge } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Bank accounts · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const page = await context.services.bankAccounts.list(user, { limit: 200 });
  return { accounts: page.items, idempotencyKey: randomUUID() };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const form = await request.formData();
  const text = (name: string) => String(form.get(name) ?? '');
  if (form.get('intent') === 'remove') {
    return attempt(
      () => context.services.bankAccounts.remove(user, text('id'), context.requestId),
      'Bank account removed.',
    );
  }
  return attempt(
    () =>
      context.services.bankAccounts.create(
        user,
        {
          iban: text('iban'),
          bic: text('bic'),
          accountName: text('accountName'),
          bankName: text('bankName'),
          country: text('country') || text('iban').trim().slice(0, 2),
        },
        text('idempotencyKey') || randomUUID(),
      ),
    'Bank account added: our team will verify it before you can withdraw to it.',
  );
}

const FIELD_LABELS: Record<string, string> = {
  iban: 'IBAN',
  bic: 'BIC',
  accountName: 'Account holder',
  bankName: 'Bank',
  country: 'Country',
};

type BankAccount = SerializeFrom<typeof loader>['accounts'][number];
type Refusal = Extract<NonNullable<SerializeFrom<typeof action>>, { ok: false }>;

export default function BankAccounts() {
  const { accounts, idempotencyKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const error = result && !result.ok ? result : null;
  const live = accounts.filter((a) => a.status !== 'REMOVED');
  const removed = accounts.filter((a) => a.status === 'REMOVED');
  return (
    <>
      <h1>Bank accounts</h1>
      <p className="muted">
        Withdrawals are paid only to your own accounts that our team has verified. Add an account, then wait
        for verification.
      </p>
      <section className="card">
        <h2>Add a bank account</h2>
        <AddAccountForm idempotencyKey={idempotencyKey} error={error} busy={busy} />
        {error ? <AddAccountRefusal error={error} /> : null}
        {result && result.ok ? <p className="ok">{result.message}</p> : null}
      </section>

      <AccountTable accounts={live} busy={busy} />
      {removed.length > 0 ? <RemovedAccounts accounts={removed} /> : null}
    </>
  );
}

function AddAccountForm({
  idempotencyKey,
  error,
  busy,
}: {
  idempotencyKey: string;
  error: Refusal | null;
  busy: boolean;
}) {
  const invalid = (name: string) => Boolean(error?.fields?.[name]);
  return (
    <Form method="post" className="row" aria-label="Add a bank account">
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      <label>
        IBAN
        <input
          name="iban"
          required
          size={34}
          placeholder="DE89 3704 0044 0532 0130 00"
          aria-invalid={invalid('iban')}
        />
      </label>
      <label>
        BIC (SWIFT)
        <input name="bic" required size={11} placeholder="COBADEFFXXX" aria-invalid={invalid('bic')} />
      </label>
      <label>
        Account holder
        <input name="accountName" required maxLength={140} aria-invalid={invalid('accountName')} />
      </label>
      <label>
        Bank
        <input name="bankName" required maxLength={140} aria-invalid={invalid('bankName')} />
      </label>
      <label>
        Country
        <input name="country" size={2} maxLength={2} placeholder="DE" aria-invalid={invalid('country')} />
      </label>
      <button type="submit" name="intent" value="add" disabled={busy}>
        Add account
      </button>
    </Form>
  );
}

/** Why the account was not added: each field's problem in words, or the one general reason. */
function AddAccountRefusal({ error }: { error: Refusal }) {
  const fields = error.fields && Object.keys(error.fields).length ? error.fields : null;
  return (
    <div className="error" role="alert">
      <p>{fields ? 'Please correct the following:' : error.error}</p>
      {fields ? (
        <ul>
          {Object.entries(fields).map(([field, message]) => (
            <li key={field}>
              {FIELD_LABELS[field] ?? field}: {message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function AccountTable({ accounts, busy }: { accounts: BankAccount[]; busy: boolean }) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>IBAN</th>
          <th>BIC</th>
          <th>Holder</th>
          <th>Bank</th>
          <th>Status</th>
          <th>Added</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {accounts.length === 0 ? (
          <tr>
            <td colSpan={7} className="muted">
              No bank accounts yet.
            </td>
          </tr>
        ) : (
          accounts.map((account) => <AccountRow key={account.id} account={account} busy={busy} />)
        )}
      </tbody>
    </table>
  );
}

function AccountRow({ account, busy }: { account: BankAccount; busy: boolean }) {
  return (
    <tr data-bank-account-id={account.id}>
      <td>
        <CopyValue value={account.ibanDisplay} label="IBAN" />
      </td>
      <td>{account.bic}</td>
      <td>{account.accountName}</td>
      <td>
        {account.bankName} ({account.country})
      </td>
      <td>
        <StatusBadge status={account.status} />
        {account.rejectionReason ? <div className="muted">{account.rejectionReason}</div> : null}
      </td>
      <td>
        <Time at={account.createdAt} />
      </td>
      <td>
        {account.allowedActions.includes('remove') ? (
          <Form method="post">
            <input type="hidden" name="id" value={account.id} />
            {/* Removing cannot be undone: a verified account would have to be added and verified anew. */}
            <ConfirmButton
              label="Remove…"
              question={
                account.status === 'VERIFIED'
                  ? `Remove ${account.ibanDisplay}? It is verified: to withdraw to it again you would add it and wait for our team to verify it anew.`
                  : `Remove ${account.ibanDisplay}? This cannot be undone.`
              }
              confirmLabel={busy ? 'Removing…' : 'Yes, remove it'}
              name="intent"
              value="remove"
            />
          </Form>
        ) : null}
      </td>
    </tr>
  );
}

function RemovedAccounts({ accounts }: { accounts: BankAccount[] }) {
  return (
    <details style={{ marginTop: '1rem' }}>
      <summary>Removed accounts ({accounts.length})</summary>
      <ul>
        {accounts.map((account) => (
          <li key={account.id}>
            {account.ibanDisplay} · {account.bankName} · removed <Time at={account.removedAt} />
          </li>
        ))}
      </ul>
    </details>
  );
}
