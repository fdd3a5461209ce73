// bull-board at /ops/queues: every notification queue (db/outbox/queues.ts), for admins signed in on
// the pages (the cookie session; a Bearer token is not a page session). Signed out: to the login
// page and back; any other role: 403. Its own buttons (retry a failed job, clean, ...) are
// cookie-authenticated changes, so they must come from our own origin like every page form.
import type { Express, RequestHandler } from 'express';
import { sharedQueues } from '../../db/outbox/shared-queues.js';
import { lazyOnce } from '../../domain/lazy-once.js';
import { resolveSession, sessionCookieHeaders } from '../auth/session.js';
import type { AppDeps } from '../deps.js';
import { requireSameOrigin } from '../middleware/security.js';

export const QUEUE_BOARD_PATH = '/ops/queues';

function adminPageSession(deps: AppDeps): RequestHandler {
  return (req, res, next) => {
    resolveSession(deps, { cookies: (req.cookies ?? {}) as Record<string, string | undefined> }).then(
      (session) => {
        if (session.refreshed)
          for (const cookie of sessionCookieHeaders(session.refreshed)) res.append('Set-Cookie', cookie);
        res.setHeader('Cache-Control', 'no-store');
        if (!session.user) {
          res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        } else if (session.user.role !== 'admin') {
          res.status(403).type('text').send('The queue board is for admins.');
        } else next();
      },
      next,
    );
  };
}

/**
 * The board's router, built on the first admin request: bull-board and BullMQ (some 550 modules with
 * rxjs) load only then, not in every process that builds the app, and the queues connect to Redis.
 * A failed load is tried again on the next request.
 */
function lazyBoard(): () => Promise<RequestHandler> {
  const router = lazyOnce(async (): Promise<RequestHandler> => {
    const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }, queues] = await Promise.all([
      import('@bull-board/api'),
      import('@bull-board/api/bullMQAdapter'),
      import('@bull-board/express'),
      sharedQueues(),
    ]);
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(QUEUE_BOARD_PATH);
    createBullBoard({
      queues: Object.values(queues).map((queue) => new BullMQAdapter(queue)),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'clearhouse queues' } },
    });
    return serverAdapter.getRouter() as RequestHandler;
  });
  return () => router.get();
}

/** Mounts the board at QUEUE_BOARD_PATH, admins only. */
export function mountQueueBoard(app: Express, deps: AppDeps): void {
  const board = lazyBoard();
  app.use(
    QUEUE_BOARD_PATH,
    adminPageSession(deps),
    requireSameOrigin({ bearerExempt: false }),
    (req, res, next) => board().then((router) => router(req, res, next), next),
  );
}
