// Serves the Remix pages (built by `remix vite:build` into web/build) from the same Express app.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import type { AppDeps } from './deps.js';
import { webLoadContext } from './web-context.js';

const buildDir = fileURLToPath(new URL('../web/build', import.meta.url));

export function webBuildExists(): boolean {
  return existsSync(`${buildDir}/server/index.js`);
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
  // Pages render on the server and need no inline scripts beyond Remix's own hydration data.
  app.use(
    helmet.contentSecurityPolicy({
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
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
  const build = () => import(`${buildDir}/server/index.js`) as Promise<ServerBuild>;
  app.all(
    '*',
    createRequestHandler({
      build,
      mode: process.env.NODE_ENV === 'production' ? 'production' : 'development',
      getLoadContext: (req, res) => webLoadContext(deps, req, res),
    }),
  );
}
