// A client's webhook endpoints: register one for chosen event types (the signing secret is shown
// once, right after), rotate its secret (the previous one keeps signing for the overlap), delete it,
// and read each endpoint's delivery log (status, attempts, last status code) with a redeliver button.
// Plain form posts throughout.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction, SerializeFrom } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { StatusBadge, formatTime } from '../components/Timeline.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Webhooks · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const services = context.services.notifications;
  const { items } = await services.webhooks.list(user);
  const endpoints = await Promise.all(
    items.map(async (endpoint) => ({
      ...endpoint,
      deliveries: (await services.webhooks.deliveries(user, endpoint.id)).items,
    })),
  );
  return { endpoints, eventTypes: services.eventTypes() };
}

/** The subscriptions of the form: the ticked types and any typed patterns (comma or space separated). */
function subscriptionsOf(form: FormData): string[] {
  const typed = String(form.get('patterns') ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
  return [...new Set([...form.getAll('events').map(String), ...typed])];
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  const form = await request.formData();
  const hooks = context.services.notifications.webhooks;
  const id = String(form.get('id') ?? '');
  // The secret travels only in this one answer; it is never read back.
  let secret: string | null = null;
  switch (form.get('intent')) {
    case 'create': {
      const result = await attempt(async () => {
        secret = (
          await hooks.create(user, { url: String(form.get('url') ?? ''), events: subscriptionsOf(form) })
        ).secret;
      }, 'Endpoint registered. Store its signing secret now: it is not shown again.');
      return { ...result, secret };
    }
    case 'rotate': {
      const result = await attempt(async () => {
        secret = (await hooks.rotate(user, id)).secret;
      }, 'New secret issued; the previous one keeps signing for a day. Store it now: it is not shown again.');
      return { ...result, secret };
    }
    case 'delete':
      return { ...(await attempt(() => hooks.remove(user, id), 'Endpoint deleted.')), secret };
    case 'redeliver':
      return {
        ...(await attempt(
          () => hooks.redeliver(user, id, String(form.get('deliveryId') ?? '')),
          'Redelivery queued.',
        )),
        secret,
      };
    default:
      return { ok: false as const, error: 'Unknown action.', code: 'bad_request', secret };
  }
}

type Endpoint = SerializeFrom<typeof loader>['endpoints'][number];

export default function Webhooks() {
  const { endpoints, eventTypes } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">
        We POST each event about you to your endpoints, signed with{' '}
        <code>Clearhouse-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")</code>. Refuse a <code>t</code> more
        than five minutes off and de-duplicate by event id: delivery is at least once.
      </p>
      <ActionMessage result={result} />
      {result?.ok && result.secret ? (
        <p className="card" data-testid="webhook-secret">
          Signing secret: <code>{result.secret}</code>
        </p>
      ) : null}
      <section className="card">
        <h2>Register an endpoint</h2>
        <Form method="post" aria-label="Register a webhook endpoint">
          <label>
            URL
            <input
              name="url"
              type="url"
              required
              size={50}
              placeholder="https://hooks.example.com/clearhouse"
            />
          </label>
          <fieldset>
            <legend>Events</legend>
            {eventTypes.map((type) => (
              <label key={type} className="inline">
                <input type="checkbox" name="events" value={type} /> {type}
              </label>
            ))}
            <label>
              Or patterns
              <input name="patterns" placeholder="order.* deposit.cleared *" />
            </label>
          </fieldset>
          <button type="submit" name="intent" value="create" disabled={busy}>
            Register endpoint
          </button>
        </Form>
      </section>
      {endpoints.length === 0 ? <p className="muted">No endpoints yet.</p> : null}
      {endpoints.map((endpoint) => (
        <EndpointCard key={endpoint.id} endpoint={endpoint} busy={busy} />
      ))}
    </>
  );
}

function EndpointCard({ endpoint, busy }: { endpoint: Endpoint; busy: boolean }) {
  return (
    <section className="card" data-endpoint-id={endpoint.id}>
      <h2>
        <code>{endpoint.url}</code>
      </h2>
      <p>
        Events: {endpoint.events.join(', ')} · registered {formatTime(endpoint.createdAt)}
        {endpoint.previousSecretExpiresAt
          ? ` · previous secret signs until ${formatTime(endpoint.previousSecretExpiresAt)}`
          : ''}
      </p>
      <div className="row">
        <Form method="post">
          <input type="hidden" name="id" value={endpoint.id} />
          <button type="submit" name="intent" value="rotate" className="secondary" disabled={busy}>
            Rotate secret
          </button>
        </Form>
        <Form method="post">
          <input type="hidden" name="id" value={endpoint.id} />
          <ConfirmButton
            label="Delete"
            question="Nothing more is sent to this address; registering it again gives it a new secret."
            confirmLabel="Yes, delete the endpoint"
            name="intent"
            value="delete"
          />
        </Form>
      </div>
      <table className="grid">
        <thead>
          <tr>
            <th>Event</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Last status code</th>
            <th>Next attempt</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {endpoint.deliveries.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                No deliveries yet.
              </td>
            </tr>
          ) : (
            endpoint.deliveries.map((delivery) => (
              <tr key={delivery.id} data-delivery-id={delivery.id} data-status={delivery.status}>
                <td>
                  {delivery.event} <span className="muted">{formatTime(delivery.createdAt)}</span>
                </td>
                <td>
                  <StatusBadge status={delivery.status} />
                  {delivery.lastError ? <div className="muted">{delivery.lastError}</div> : null}
                </td>
                <td>{delivery.attempts}</td>
                <td data-field="status-code">{delivery.lastStatusCode ?? '—'}</td>
                <td>{formatTime(delivery.nextAttemptAt)}</td>
                <td>
                  <Form method="post">
                    <input type="hidden" name="id" value={endpoint.id} />
                    <input type="hidden" name="deliveryId" value={delivery.id} />
                    <button
                      type="submit"
                      name="intent"
                      value="redeliver"
                      className="secondary"
                      disabled={busy}
                    >
                      Redeliver
                    </button>
                  </Form>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}
