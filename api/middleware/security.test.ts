// The precomputed security headers (fixedHeaders) must answer exactly what helmet itself answers.
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCsp, fixedHeaders, securityHeaders } from './security.js';

const HELMET_OPTIONS = { contentSecurityPolicy: false, referrerPolicy: { policy: 'same-origin' } } as const;

/** An app answering GET /<name> behind each middleware, with X-Powered-By left on (helmet removes it). */
function appWith(middlewares: Record<string, RequestHandler>) {
  const app = express();
  for (const [name, middleware] of Object.entries(middlewares))
    app.get(`/${name}`, middleware, (_req, res) => {
      res.json({ ok: true });
    });
  return app;
}

let url = '';
let close: () => void = () => undefined;

beforeAll(async () => {
  const app = appWith({
    helmet: helmet(HELMET_OPTIONS),
    fixed: securityHeaders(),
    helmetCsp: helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    }),
    fixedCsp: apiCsp(),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(() => close());

/** The answer's headers without the per-answer ones (date, etag, connection). */
async function headersOf(path: string): Promise<Record<string, string>> {
  const answer = await fetch(url + path);
  await answer.text();
  const headers = Object.fromEntries(answer.headers);
  for (const varying of ['date', 'etag', 'connection', 'keep-alive']) delete headers[varying];
  return headers;
}

describe('fixedHeaders', () => {
  it('answers the same headers as helmet itself, X-Powered-By removed', async () => {
    const fromHelmet = await headersOf('/helmet');
    expect(fromHelmet['x-content-type-options']).toBe('nosniff');
    expect(fromHelmet['referrer-policy']).toBe('same-origin');
    expect(fromHelmet['x-powered-by']).toBeUndefined();
    expect(await headersOf('/fixed')).toEqual(fromHelmet);
  });

  it("answers the same Content-Security-Policy as helmet's for the API", async () => {
    const fromHelmet = await headersOf('/helmetCsp');
    expect(fromHelmet['content-security-policy']).toContain("default-src 'none'");
    expect(await headersOf('/fixedCsp')).toEqual(fromHelmet);
  });

  it('refuses a middleware that does not pass on at once (its headers could depend on the request)', () => {
    expect(() => fixedHeaders((_req, _res, next) => setTimeout(next, 1))).toThrow(/next\(\) at once/);
  });
});
