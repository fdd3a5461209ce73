// What the Express server hands every loader and action (getLoadContext): the signed-in user and the
// same in-process services the JSON API uses, so pages and API share one set of rules.
import type { WebServices, WebUser } from '../../api/pages/load-context.js';

export type { WebServices, WebUser };

declare module '@remix-run/node' {
  interface AppLoadContext {
    user: WebUser | null;
    services: WebServices;
    requestId: string;
    /** The CSP nonce of this answer (api/pages/mount.ts); entry.server.tsx and root.tsx put it on scripts. */
    cspNonce: string;
  }
}
