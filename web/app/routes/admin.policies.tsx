import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { hasLimits, maxAmountFromForm, PolicyLimits } from '../components/PolicyLimits.js';
import { Time } from '../components/Time.js';
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
  try {
    policy = JSON.parse(String(form.get('policy') ?? ''));
  } catch {
    return refused(name, 'The policy is not valid JSON: check quotes and commas.');
  }
  if (hasLimits(name)) {
    // One form per policy: its limits come from the table, the rest from the JSON (which leaves
    // maxAmount out). The whole maxAmount is replaced: a field left blank removes that limit.
    if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
      return refused(name, 'The policy must be a JSON object like { "shortHoldMs": 86400000 }.');
    if (Object.hasOwn(policy, 'maxAmount'))
      return refused(name, 'Set the maximum amounts in the table above, not in the JSON.');
    policy = { ...policy, maxAmount: maxAmountFromForm(name, form) };
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

function refused(policy: string, error: string) {
  return {
    ok: false as const,
    error,
    code: 'validation_failed',
    fields: {} as Record<string, string>,
    policy,
  };
}

/** The document the JSON field shows: without maxAmount where the limits table edits it. */
function editableJson(name: string, policy: Record<string, unknown>): string {
  if (!hasLimits(name)) return JSON.stringify(policy, null, 2);
  return JSON.stringify(
    Object.fromEntries(Object.entries(policy).filter(([key]) => key !== 'maxAmount')),
    null,
    2,
  );
}

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
  const fieldErrorsOf = (name: string) =>
    result && !result.ok && result.policy === name ? (result.fields ?? {}) : {};
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
          {/* Editors read this beside the save button. */}
          {p.moneyMovingFields.length > 0 && !mayEdit ? (
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
          {mayEdit ? (
            <Form method="post" className="stack policy-form">
              <input type="hidden" name="name" value={p.name} />
              <PolicyLimits name={p.name} policy={p.policy} mayEdit fieldErrors={fieldErrorsOf(p.name)} />
              <label>
                {hasLimits(p.name) ? 'Other settings (JSON)' : 'Settings (JSON)'}
                <textarea
                  name="policy"
                  rows={12}
                  defaultValue={editableJson(p.name, p.policy)}
                  spellCheck={false}
                />
              </label>
              <label>
                Reason for the change
                <input name="reason" maxLength={500} placeholder="e.g. new limit agreed with the bank" />
              </label>
              <div className="row">
                <button type="submit" name="intent" value="save">
                  Save the {p.name} policy
                </button>
                {p.moneyMovingFields.length > 0 ? (
                  <span className="small muted">
                    Changes of {p.moneyMovingFields.join(', ')} wait for a second administrator.
                  </span>
                ) : null}
              </div>
            </Form>
          ) : (
            <>
              <PolicyLimits name={p.name} policy={p.policy} mayEdit={false} fieldErrors={{}} />
              <pre>{JSON.stringify(p.policy, null, 2)}</pre>
            </>
          )}
          <details>
            <summary>History</summary>
            <ol reversed>
              {p.history.map((v) => (
                <li key={v.version}>
                  version {v.version}
                  {v.createdBy ? ` by ${v.createdBy.name || v.createdBy.email}` : ''}
                  {v.approvedBy ? `, approved by ${v.approvedBy.name || v.approvedBy.email}` : ''}
                  {v.createdAt ? (
                    <>
                      {' · '}
                      <Time at={v.createdAt} />
                    </>
                  ) : null}
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
