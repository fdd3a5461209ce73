// bull-board at /ops/queues: every notification queue (db/outbox/queues.ts), for admins signed in on
// the pages (the cookie session; a Bearer token is not a page session). Signed out: to the login
// page and back; any other role: 403. Its own buttons (retry a failed job, clean, ...) are
// cookie-authenticated changes, so they must come from our own origin like every page form.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express, RequestHandler } from 'express';
import { sharedQueues } from '../../db/outbox/queues.js';
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

/** Mounts the board; the queues connect to Redis on the first admin request. */
export function mountQueueBoard(app: Express, deps: AppDeps): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  let built = false;
  const build: RequestHandler = (_req, _res, next) => {
    if (!built) {
      built = true;
      createBullBoard({
        queues: Object.values(sharedQueues()).map((queue) => new BullMQAdapter(queue)),
        serverAdapter,
        options: { uiConfig: { boardTitle: 'clearhouse queues' } },
      });
    }
    next();
  };
  app.use(
    QUEUE_BOARD_PATH,
    adminPageSession(deps),
    requireSameOrigin({ bearerExempt: false }),
    build,
    (req, res, next) => serverAdapter.getRouter()(req, res, next),
  );
}
