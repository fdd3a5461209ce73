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

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const email = String(form.get('email') ?? '');
  const password = String(form.get('password') ?? '');
  const result = await context.services.login(email, password, {
    ip: request.headers.get('x-forwarded-for') ?? '',
    userAgent: request.headers.get('user-agent') ?? '',
    requestId: context.requestId,
  });
  if (!result.ok) return { error: result.message, email };
  const headers = new Headers();
  for (const cookie of result.setCookies) headers.append('Set-Cookie', cookie);
  return redirect(safeNext(form.get('next')) ?? homePathFor(result.user.role), { headers });
}

export default function Login() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  return (
    <main className="page narrow">
      <h1>clearhouse</h1>
      <p className="muted">Back office for cash, carbon certificates and securities.</p>
      <Form method="post" className="card stack">
        <input type="hidden" name="next" value={params.get('next') ?? ''} />
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
    </main>
  );
}
