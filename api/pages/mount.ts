// Serves the Remix pages (built by `remix vite:build` into web/build) from the same Express app.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import { lazyOnce } from '../../domain/lazy-once.js';
import type { AppDeps } from '../deps.js';
import type { ApiError } from '../errors.js';
import { requireSameOrigin } from '../middleware/security.js';
import { webLoadContext } from './load-context.js';

const buildDir = fileURLToPath(new URL('../../web/build', import.meta.url));

export function webBuildExists(): boolean {
  return existsSync(`${buildDir}/server/index.js`);
}

/** A fresh CSP nonce per answer in res.locals.cspNonce (the load context hands it to Remix). */
const cspNonce: RequestHandler = (_req, res, next) => {
  res.locals.cspNonce = randomBytes(16).toString('base64');
  next();
};

function nonceOf(res: ServerResponse): string {
  const nonce = (res as express.Response).locals?.cspNonce;
  if (typeof nonce !== 'string' || nonce.length === 0) throw new Error('cspNonce middleware must run first');
  return nonce;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/** A cross-site form post: a readable 403 page, not Remix's empty 500. */
function refusalPage(error: ApiError, _req: express.Request, res: express.Response): void {
  res
    .status(error.status)
    .type('html')
    .setHeader('Cache-Control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused · clearhouse</title></head>` +
        `<body><main><h1>clearhouse</h1><p>This form was not sent from a clearhouse page, so nothing was done.</p>` +
        `<p>${escapeHtml(error.message)}</p><p><a href="/">Back to start</a></p></main></body></html>`,
    );
}

/**
 * Remix's handler over the build, imported once on the first page request. Handed a function
 * instead, Remix derives its routes and static handler from the build again on every request
 * (@remix-run/server-runtime createRequestHandler), and Node's module cache answers the same build
 * anyway, so a rebuilt web/build is not picked up either way: a server restart is. A failed import
 * is tried again on the next request.
 */
function remixHandler(deps: AppDeps): RequestHandler {
  const handler = lazyOnce(async (): Promise<RequestHandler> => {
    const build = (await import(`${buildDir}/server/index.js`)) as ServerBuild;
    return createRequestHandler({
      build,
      mode: process.env.NODE_ENV === 'production' ? 'production' : 'development',
      getLoadContext: (req, res) => webLoadContext(deps, req, res),
    });
  });
  return (req, res, next) => {
    handler.get().then((handle) => handle(req, res, next), next);
  };
}

export function mountWeb(app: Express, deps: AppDeps): void {
  if (!webBuildExists()) {
    app.get('/', (_req, res) => {
      res
        .status(503)
        .type('text')
        .send('The web app is not built: run `npm run build:web` (npm start does it).');
    });
    return;
  }
  // Scripts run only from our origin or with this answer's nonce (Remix's hydration data, scroll
  // restoration: root.tsx and entry.server.tsx put the nonce on them).
  app.use(cspNonce);
  app.use(
    helmet.contentSecurityPolicy({
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", (_req, res) => `'nonce-${nonceOf(res)}'`],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        upgradeInsecureRequests: null,
      },
    }),
  );
  // Browsers ask for it on every first visit; the pages declare an inline SVG icon instead.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.use('/assets', express.static(`${buildDir}/client/assets`, { immutable: true, maxAge: '1y' }));
  app.use(express.static(`${buildDir}/client`, { maxAge: '1h' }));
  // Page forms (with or without JavaScript) are authenticated by cookie: same origin only.
  app.use(requireSameOrigin({ bearerExempt: false, refuse: refusalPage }));
  const remix = remixHandler(deps);
  // Pages show one person's data: never stored by the browser or anything in between.
  app.all(
    '*',
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
    remix,
  );
}
