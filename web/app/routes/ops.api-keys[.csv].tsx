// /ops/api-keys.csv: every API key, newest first, as the admin's list shows it — the prefix that
// recognises a key, never the key or its hash (neither is in the view the service answers).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { personName, type People } from '../components/Person.js';
import { allPages, csvResponse } from '../csv.server.js';
import { requireUser } from '../session.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['admin']);
  const people: People = {};
  const { items } = await allPages(async (cursor) => {
    const page = await context.services.marketMakers.keys(
      user,
      cursor ? { limit: '200', cursor } : { limit: '200' },
    );
    Object.assign(people, page.people);
    return page;
  });
  return csvResponse(
    'api-keys.csv',
    [
      'id',
      'name',
      'prefix',
      'owner',
      'owner_email',
      'owner_id',
      'scopes',
      'rate_limit_per_minute',
      'status',
      'created_at',
      'last_used_at',
      'expires_at',
      'revoked_at',
    ],
    items.map((k) => [
      k.id,
      k.name,
      k.prefix,
      personName(people, k.ownerId),
      k.ownerEmail,
      k.ownerId,
      k.scopes.join(' '),
      String(k.rateLimitPerMinute),
      k.status,
      k.createdAt,
      k.lastUsedAt ?? '',
      k.expiresAt ?? '',
      k.revokedAt ?? '',
    ]),
  );
}
