// /api/docs: a human-readable reference of the JSON API, rendered in the browser by Scalar's API
// reference from the same OpenAPI document as /api/v1/openapi.json, with a guide to authentication
// and worked examples in front. Everything is served from here (the renderer's bundle from
// node_modules): the page loads nothing from the internet.
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { buildOpenApiDocument } from './openapi.js';

const require = createRequire(import.meta.url);
// The package exports neither package.json nor its browser bundle, so the bundle is found beside its
// main entry (dist/index.js → dist/browser/standalone.js).
const SCALAR_BUNDLE = path.join(
  path.dirname(require.resolve('@scalar/api-reference')),
  'browser/standalone.js',
);

/** The guide above the reference: how to authenticate and what a first session looks like. */
export const API_GUIDE = `
## Authentication

Every route except \`POST /auth/login\` needs a caller.

- **Bearer token** (people): \`POST /api/v1/auth/login\` with \`{ "email", "password" }\` answers an
  \`accessToken\` (15 minutes) and a \`refreshToken\`; send \`Authorization: Bearer <accessToken>\`,
  renew with \`POST /api/v1/auth/refresh\`.
- **API key** (programs of a client): an administrator issues it once; send \`X-API-Key: <key>\`.
  It acts as its owner, within its scopes.

Changes that create something take an \`Idempotency-Key\` header: a retry with the same key answers
the first result instead of doing it twice.

## Amounts and times

Amounts are decimal strings with the asset's precision (\`"1250.50"\`, never a number); times are ISO
8601 instants in UTC.

## Example: announce a deposit

\`\`\`sh
TOKEN=$(curl -s localhost:3000/api/v1/auth/login -H 'Content-Type: application/json' \\
  -d '{"email":"client@example.com","password":"…"}' | jq -r .accessToken)
curl -s localhost:3000/api/v1/deposits -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' -H 'Idempotency-Key: 5b1c…' \\
  -d '{"amount":"1250.50","currency":"EUR"}'
\`\`\`

The answer carries the wire instructions (IBAN, BIC, the reference the transfer must quote) and the
deposit's status; \`GET /api/v1/deposits/{id}/events\` follows it as Server-Sent Events.

## Errors

Every refusal is \`{ "error": { "code", "message", "details" } }\` with the HTTP status: 400
\`validation_failed\` (details.issues name each field), 401, 403, 404, 409 (conflict, retry with the
same Idempotency-Key), 422 (a business rule said no), 429 and 503 (with Retry-After).
`;

/** The API's document with the guide after its description (a copy: the document is cached). */
function documentWithGuide() {
  const document = buildOpenApiDocument();
  return {
    ...document,
    info: { ...document.info, description: `${document.info.description ?? ''}\n${API_GUIDE}` },
  };
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>API reference · clearhouse</title>
  </head>
  <body>
    <noscript>
      <p>The interactive reference needs JavaScript. The OpenAPI document itself is at
      <a href="/api/docs/openapi.json">/api/docs/openapi.json</a>.</p>
    </noscript>
    <div id="app"></div>
    <script src="/api/docs/scalar.js"></script>
    <script src="/api/docs/init.js"></script>
  </body>
</html>`;

// Fonts and the hosted client stay off: nothing may be fetched from outside this server.
const INIT = `Scalar.createApiReference('#app', {
  url: '/api/docs/openapi.json',
  withDefaultFonts: false,
  hideClientButton: true,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
});
`;

/** Same-origin only: scripts and styles from here (the renderer styles inline), data: images and fonts. */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function send(res: Response, type: string, body: string, maxAge = 'no-cache') {
  res.setHeader('Content-Security-Policy', DOCS_CSP);
  res.setHeader('Cache-Control', maxAge);
  res.type(type).send(body);
}

export function apiDocsRouter(): Router {
  const router = Router();
  router.get('/api/docs', (_req: Request, res: Response) => send(res, 'html', PAGE));
  router.get('/api/docs/init.js', (_req, res) => send(res, 'application/javascript', INIT));
  router.get('/api/docs/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(documentWithGuide());
  });
  router.get('/api/docs/scalar.js', (_req, res) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('application/javascript').sendFile(SCALAR_BUNDLE);
  });
  return router;
}
