import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { maxAmountFromForm, PolicyLimits } from '../components/PolicyLimits.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Policies · administration · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  return {
    mayEdit: user.role === 'admin',
    me: user.id,
    policies: (await context.services.admin.policies(user)).items,
  };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['admin']);
  const form = await request.formData();
  const admin = context.services.admin;
  const name = String(form.get('name') ?? '');
  const intent = String(form.get('intent') ?? '');
  if (intent === 'approve' || intent === 'reject') {
    const id = String(form.get('changeId') ?? '');
    const decided = await attempt(
      () => admin.decidePolicy(user, name, id, intent),
      intent === 'approve'
        ? `The ${name} change is approved and in force for new lifecycles.`
        : `The ${name} change is rejected.`,
    );
    return { ...decided, policy: name };
  }
  let policy: unknown;
  if (intent === 'limits') {
    // The whole maxAmount is replaced: a field left blank removes that asset's limit.
    policy = { maxAmount: maxAmountFromForm(name, form) };
  } else {
    try {
      policy = JSON.parse(String(form.get('policy') ?? ''));
    } catch {
      return {
        ok: false as const,
        error: 'The policy is not valid JSON: check quotes and commas.',
        code: 'validation_failed',
        policy: name,
      };
    }
  }
  const result = await attempt(async () => {
    const saved = await admin.savePolicy(user, name, policy, String(form.get('reason') ?? ''));
    if (saved.outcome === 'pending_approval') throw new PendingNotice();
  }, `The ${name} policy is saved as a new version; new lifecycles start with it.`).catch(
    (error: unknown) => {
      if (error instanceof PendingNotice)
        return {
          ok: true as const,
          message: `A money-moving field changed: a second administrator must approve the ${name} change.`,
        };
      throw error;
    },
  );
  return { ...result, policy: name };
}

class PendingNotice extends Error {}

function show(value: unknown): string {
  return value === undefined ? '—' : JSON.stringify(value);
}

function Diff({ diff }: { diff: { path: string; before?: unknown; after?: unknown }[] }) {
  if (diff.length === 0) return <span className="muted">no change</span>;
  return (
    <ul className="small">
      {diff.map((d) => (
        <li key={d.path}>
          <code>{d.path}</code>: <del>{show(d.before)}</del> → <ins>{show(d.after)}</ins>
        </li>
      ))}
    </ul>
  );
}

export default function AdminPolicies() {
  const { policies, mayEdit, me } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <h1>Policies</h1>
      <p className="muted">
        New lifecycles start with the version in force; running ones keep the policy they started with.
        Changes of money-moving fields wait for a second administrator.
      </p>
      <ActionMessage result={result} />
      {policies.map((p) => (
        <section className="card" key={p.name} data-policy={p.name}>
          <h2>
            {p.name}{' '}
            <span className="muted">
              version {p.version}
              {p.source === 'environment' ? ` (first defaults, ${p.variable})` : ''}
            </span>
          </h2>
          {p.moneyMovingFields.length > 0 ? (
            <p className="small muted">Needs a second admin: {p.moneyMovingFields.join(', ')}</p>
          ) : null}
          {p.pending.map((c) => (
            <div key={c.id} className="card" role="status">
              <strong>Pending change</strong> by {c.requestedBy?.name || c.requestedBy?.email}
              {c.reason ? ` — ${c.reason}` : ''}
              <Diff diff={c.diff} />
              {mayEdit ? (
                <Form method="post" className="row">
                  <input type="hidden" name="name" value={p.name} />
                  <input type="hidden" name="changeId" value={c.id} />
                  {c.requestedBy?.id !== me ? (
                    <button type="submit" name="intent" value="approve">
                      Approve
                    </button>
                  ) : null}
                  <ConfirmButton
                    label={c.requestedBy?.id === me ? 'Withdraw…' : 'Reject…'}
                    question="The proposed change is dropped; the policy in force stays as it is."
                    confirmLabel={c.requestedBy?.id === me ? 'Yes, withdraw it' : 'Yes, reject it'}
                    name="intent"
                    value="reject"
                  />
                </Form>
              ) : null}
            </div>
          ))}
          <PolicyLimits
            name={p.name}
            policy={p.policy}
            mayEdit={mayEdit}
            fieldErrors={result && !result.ok && result.policy === p.name ? (result.fields ?? {}) : {}}
          />
          {mayEdit ? (
            <Form method="post">
              <input type="hidden" name="name" value={p.name} />
              <label>
                Policy (JSON)
                <textarea
                  name="policy"
                  rows={10}
                  cols={80}
                  defaultValue={JSON.stringify(p.policy, null, 2)}
                  spellCheck={false}
                />
              </label>
              <label>
                Reason
                <input name="reason" maxLength={500} />
              </label>
              <button type="submit" name="intent" value="save">
                Save {p.name}
              </button>
            </Form>
          ) : (
            <pre>{JSON.stringify(p.policy, null, 2)}</pre>
          )}
          <details>
            <summary>History</summary>
            <ol reversed>
              {p.history.map((v) => (
                <li key={v.version}>
                  version {v.version}
                  {v.createdBy ? ` by ${v.createdBy.name || v.createdBy.email}` : ''}
                  {v.approvedBy ? `, approved by ${v.approvedBy.name || v.approvedBy.email}` : ''}
                  {v.createdAt ? ` · ${new Date(v.createdAt).toLocaleString()}` : ''}
                  {v.reason ? ` — ${v.reason}` : ''}
                  <Diff diff={v.diff} />
                </li>
              ))}
            </ol>
          </details>
        </section>
      ))}
    </>
  );
}
