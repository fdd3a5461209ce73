import { redirect, type LoaderFunctionArgs } from '@remix-run/node';
import { homePathFor } from '../home.js';

export function loader({ context }: LoaderFunctionArgs) {
  return redirect(context.user ? homePathFor(context.user.role) : '/login');
}
