import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { attempt } from '../action-result.server.js';
import { ActionMessage } from '../components/ActionMessage.js';

// The page of invitation and password-reset links (/set-password?token=…), and, without a token,
// "forgot your password" (a reset link by mail). Public: the token is the credential.
export const meta: MetaFunction = () => [{ title: 'Set your password · clearhouse' }];

export async function loader({ request }: LoaderFunctionArgs) {
  return { token: new URL(request.url).searchParams.get('token') ?? '' };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const form = await request.formData();
  const admin = context.services.admin;
  if (form.get('intent') === 'request') {
    const email = String(form.get('email') ?? '');
    return attempt(
      () => admin.requestReset(email),
      'If this email belongs to an account, a link to set a new password is on its way.',
    );
  }
  const password = String(form.get('password') ?? '');
  if (password !== String(form.get('repeat') ?? ''))
    return { ok: false as const, error: 'The two passwords are not the same.', code: 'validation_failed' };
  const result = await attempt(() => admin.setPassword(String(form.get('token') ?? ''), password));
  return result.ok ? redirect('/login?password=set') : result;
}

export default function SetPassword() {
  const { token } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <main className="narrow">
      <h1>{token ? 'Set your password' : 'Forgot your password?'}</h1>
      <ActionMessage result={result} />
      {token ? (
        <Form method="post">
          <input type="hidden" name="token" value={token} />
          <label>
            New password (at least 12 characters)
            <input
              name="password"
              type="password"
              required
              minLength={12}
              maxLength={1024}
              autoComplete="new-password"
            />
          </label>
          <label>
            The same again
            <input
              name="repeat"
              type="password"
              required
              minLength={12}
              maxLength={1024}
              autoComplete="new-password"
            />
          </label>
          <button type="submit" name="intent" value="set">
            Set password
          </button>
        </Form>
      ) : (
        <Form method="post">
          <label>
            Email
            <input name="email" type="email" required maxLength={320} autoComplete="email" />
          </label>
          <button type="submit" name="intent" value="request">
            Send me a link
          </button>
        </Form>
      )}
    </main>
  );
}
