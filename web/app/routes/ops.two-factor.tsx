import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';
import type { WebServices } from '../context.js';
import { STAFF_ROLES } from '../../../domain/roles.js';
import { requireUser } from '../session.server.js';

// A staff member sets up their own two-factor sign-in: start (a QR code for the authenticator app,
// and its key to type in), confirm with the app's first code, then the ten recovery codes, shown
// this once. Plain form posts; the secret waits in the database between the two steps.
export const meta: MetaFunction = () => [{ title: 'Two-factor sign-in · backoffice · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, STAFF_ROLES);
  return { status: await context.services.twoFactor.status(user) };
}

type Enrolment = Awaited<ReturnType<WebServices['twoFactor']['begin']>>;

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, STAFF_ROLES);
  const form = await request.formData();
  const services = context.services.twoFactor;
  // Filled inside attempt(), which answers only whether the work succeeded.
  const got: { enrolment: Enrolment | null; recoveryCodes: string[] } = {
    enrolment: null,
    recoveryCodes: [],
  };
  if (form.get('intent') === 'begin') {
    const result = await attempt(async () => {
      got.enrolment = await services.begin(user);
    });
    return { ...result, ...got, retry: false };
  }
  const code = String(form.get('code') ?? '').trim();
  const result = await attempt(async () => {
    got.recoveryCodes = (await services.confirm(user, code)).recoveryCodes;
  }, 'Two-factor sign-in is on. From now on, sign-in asks for a code from your app.');
  // A wrong code keeps the enrolment open (the same secret waits), so the page asks again.
  return { ...result, ...got, retry: !result.ok };
}

export default function TwoFactor() {
  const { status } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const recoveryCodes = result?.recoveryCodes ?? [];
  const enrolment = result?.enrolment ?? null;
  const confirming = enrolment !== null || result?.retry === true;
  return (
    <>
      <h1>Two-factor sign-in</h1>
      <ActionMessage result={result} />
      {recoveryCodes.length > 0 ? (
        <RecoveryCodes codes={recoveryCodes} />
      ) : status.enabled ? (
        <p data-testid="two-factor-on">
          Two-factor sign-in is on. {status.recoveryCodesLeft} of your recovery codes are unused. If you lose
          your phone, an administrator can reset it.
        </p>
      ) : confirming ? (
        <ConfirmStep enrolment={enrolment} />
      ) : (
        <section className="card">
          <p>
            Sign-in will ask for a six-digit code from an authenticator app on your phone besides your
            password.
          </p>
          <Form method="post">
            <button type="submit" name="intent" value="begin">
              Set up two-factor sign-in
            </button>
          </Form>
        </section>
      )}
    </>
  );
}

function ConfirmStep({ enrolment }: { enrolment: Enrolment | null }) {
  return (
    <section className="card">
      {enrolment ? (
        <>
          <p>Scan this code with your authenticator app, or type the key into it.</p>
          <img
            src={enrolment.qrImage}
            alt="QR code of your two-factor key"
            width={200}
            height={200}
            data-testid="totp-qr"
          />
          <p>
            Key: <code data-testid="totp-secret">{enrolment.secret}</code>
          </p>
        </>
      ) : null}
      <Form method="post">
        <label>
          The six-digit code your app shows now
          <input
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            required
            maxLength={6}
          />
        </label>
        <button type="submit" name="intent" value="confirm">
          Turn on two-factor sign-in
        </button>
      </Form>
    </section>
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <section className="card" data-testid="recovery-codes">
      <h2>Your recovery codes</h2>
      <p>
        Each one signs you in once without your phone. Write them down or store them safely: this page shows
        them only now.
      </p>
      <ul>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}
