import { redirect, type ActionFunctionArgs } from '@remix-run/node';

export async function action({ request, context }: ActionFunctionArgs) {
  const headers = new Headers();
  for (const cookie of await context.services.logout(request.headers.get('cookie') ?? ''))
    headers.append('Set-Cookie', cookie);
  return redirect('/login', { headers });
}

export function loader() {
  return redirect('/');
}
