// /admin/users.csv: the user list with the search, filters and sort in effect, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { allPages, csvResponse } from '../csv.server.js';
import { requireUser } from '../session.server.js';
import { userListRequest } from '../user-list.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['admin']);
  const { read } = userListRequest(request, context.services.admin, user);
  const { items } = await allPages((cursor) => read(cursor, 200));
  return csvResponse(
    'users.csv',
    ['id', 'email', 'name', 'role', 'status', 'two_factor', 'created_at'],
    items.map((u) => [u.id, u.email, u.name, u.role, u.status, u.twoFactor ? 'yes' : 'no', u.createdAt]),
  );
}
