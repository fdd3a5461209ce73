import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { homePathFor } from '../home.js';

export const meta: MetaFunction = () => [{ title: 'Sign in · clearhouse' }];

export function loader({ context }: LoaderFunctionArgs) {
  if (context.user) return redirect(homePathFor(context.user.role));
  return null;
}

function safeNext(next: FormDataEntryValue | null): string | null {
  // Only same-site paths: an open redirect after login is a phishing aid.
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

/** A sentence as the page shows it: capital first letter, a full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}${/[.!?]$/.test(trimmed) ? '' : '.'}`;
}

// Two steps without JavaScript: email and password; then, for staff who enrolled two-factor
// sign-in, a second form asking for the code. The second form carries the first step sealed
// (api/auth/sign-in-step.ts), never the password itself; each code is checked by the same login()
// as the API, so wrong codes count towards the sign-in throttle.
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const next = safeNext(form.get('next'));
  const meta = {
    ip: request.headers.get('x-forwarded-for') ?? '',
    userAgent: request.headers.get('user-agent') ?? '',
    requestId: context.requestId,
  };
  const step = String(form.get('step') ?? '');
  const email = String(form.get('email') ?? '');
  const result =
    step !== ''
      ? await context.services.loginWithCode(step, String(form.get('code') ?? ''))
      : await context.services.login(email, String(form.get('password') ?? ''), meta);
  if (!result.ok) {
    if (result.step)
      return {
        step: result.step,
        // The first ask for a code is no error; a wrong code is.
        error: result.code === 'totp_required' ? null : sentence(result.message),
        email: null,
      };
    // Too many wrong codes (429) also ends the code form: the next attempt starts from the password.
    return { step: null, error: sentence(result.message), email: step !== '' ? null : email };
  }
  const headers = new Headers();
  for (const cookie of result.setCookies) headers.append('Set-Cookie', cookie);
  return redirect(next ?? homePathFor(result.user.role), { headers });
}

function CodeForm({ step, error, next }: { step: string; error: string | null; next: string }) {
  const navigation = useNavigation();
  return (
    <Form method="post" className="card stack" aria-labelledby="code-heading">
      <h2 id="code-heading">Two-factor sign-in</h2>
      <input type="hidden" name="next" value={next} />
      <input type="hidden" name="step" value={step} />
      <label>
        Authentication code
        <input
          name="code"
          autoComplete="one-time-code"
          autoCapitalize="off"
          spellCheck={false}
          maxLength={64}
          required
          autoFocus
          aria-describedby="code-hint"
          aria-invalid={error ? true : undefined}
        />
      </label>
      <p id="code-hint" className="small muted">
        The six-digit code your authenticator app shows now, or one of your recovery codes (each works once).
      </p>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={navigation.state === 'submitting'}>
        Verify and sign in
      </button>
      <p className="small">
        <a href="/login">Start again</a> with your email and password.
      </p>
    </Form>
  );
}

export default function Login() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const next = params.get('next') ?? '';
  return (
    <main className="page narrow">
      <h1>clearhouse</h1>
      <p className="muted">Back office for cash, carbon certificates and securities.</p>
      {data?.step ? (
        <CodeForm step={data.step} error={data.error} next={next} />
      ) : (
        <Form method="post" className="card stack">
          <input type="hidden" name="next" value={next} />
          <label>
            Email
            <input
              name="email"
              type="email"
              autoComplete="username"
              required
              defaultValue={data?.email ?? ''}
            />
          </label>
          <label>
            Password
            <input name="password" type="password" autoComplete="current-password" required />
          </label>
          {data?.error ? (
            <p className="error" role="alert">
              {data.error}
            </p>
          ) : null}
          <button type="submit" disabled={navigation.state === 'submitting'}>
            Sign in
          </button>
        </Form>
      )}
    </main>
  );
}
