import { redirect, type AppLoadContext } from '@remix-run/node';
import type { Role } from '../../domain/roles.js';
import { homePathFor } from './home.js';
import type { WebUser } from './context.js';

/** The signed-in user, or a redirect to the login page that comes back here afterwards. */
export function requireUser(context: AppLoadContext, request: Request, roles?: readonly Role[]): WebUser {
  const user = context.user;
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  if (roles && !roles.includes(user.role)) throw redirect(homePathFor(user.role));
  return user;
}
