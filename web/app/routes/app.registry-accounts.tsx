import { randomUUID } from 'node:crypto';
import {
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
  type SerializeFrom,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Registry accounts · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const page = await context.services.registryAccounts.list(user, { limit: 200 });
  // A fresh key per rendered form: submitting the same form twice registers one account.
  return { accounts: page.items, idempotencyKey: randomUUID() };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const form = await request.formData();
  const text = (name: string) => String(form.get(name) ?? '');
  return attempt(
    () =>
      context.services.registryAccounts.create(
        user,
        { registry: text('registry'), accountId: text('accountId'), holderName: text('holderName') },
        text('idempotencyKey') || randomUUID(),
      ),
    'Registry account added: our team will verify it with the registry before you can transfer with it.',
  );
}

type RegistryAccount = SerializeFrom<typeof loader>['accounts'][number];

export default function RegistryAccounts() {
  const { accounts, idempotencyKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fields = result && !result.ok ? (result.fields ?? {}) : {};
  return (
    <>
      <h1>Registry accounts</h1>
      <p className="muted">
        Certificates move between your own account at a carbon registry and ours: EUA at the EU Union
        Registry, CEA at China’s national registry. Add an account, then wait for verification.
      </p>
      <section className="card">
        <h2>Add a registry account</h2>
        <Form method="post" className="row" aria-label="Add a registry account">
          <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
          <label>
            Registry
            <select name="registry" defaultValue="EU">
              <option value="EU">EU Union Registry (EUA)</option>
              <option value="CN">China national registry (CEA)</option>
            </select>
          </label>
          <label>
            Account id
            <input
              name="accountId"
              required
              size={24}
              placeholder="EU-100-5012345-0-61"
              aria-invalid={Boolean(fields.accountId)}
            />
          </label>
          <label>
            Account holder
            <input name="holderName" required maxLength={140} aria-invalid={Boolean(fields.holderName)} />
          </label>
          <button type="submit" disabled={busy}>
            Add account
          </button>
        </Form>
        <ActionMessage result={result} />
      </section>
      <AccountTable accounts={accounts} />
    </>
  );
}

function AccountTable({ accounts }: { accounts: RegistryAccount[] }) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>Registry</th>
          <th>Account id</th>
          <th>Holder</th>
          <th>Status</th>
          <th>Added</th>
        </tr>
      </thead>
      <tbody>
        {accounts.length === 0 ? (
          <tr>
            <td colSpan={5} className="muted">
              No registry accounts yet.
            </td>
          </tr>
        ) : (
          accounts.map((account) => (
            <tr key={account.id} data-registry-account-id={account.id}>
              <td>{account.registry}</td>
              <td>{account.accountId}</td>
              <td>{account.holderName}</td>
              <td>
                <StatusBadge status={account.status} />
                {account.rejectionReason ? <div className="muted">{account.rejectionReason}</div> : null}
              </td>
              <td>{formatTime(account.createdAt)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
