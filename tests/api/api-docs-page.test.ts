// /api/docs over HTTP (issue 14: "a human-readable reference page generated from the OpenAPI document
// at /api/docs, with authentication and examples"): the page and its renderer come from this server
// only, the document it renders is the API's own with the guide to authentication and a worked
// example in front, and its schemas carry examples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../api/testing.js';
import { closePool } from '../../db/pool.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ apiRateLimitPerMinute: 0 });
});

afterAll(async () => {
  await app.close();
  await closePool();
});

describe('/api/docs', () => {
  it('serves the page and its renderer from here, signed out, under a same-origin CSP', async () => {
    const page = await fetch(`${app.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const sources = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(['/api/docs/scalar.js', '/api/docs/init.js']);
    const bundle = await fetch(`${app.url}/api/docs/scalar.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${app.url}/api/docs/init.js`)).status).toBe(200);
  });

  it('renders the API’s own document, with the authentication guide and worked examples', async () => {
    const docs = await (await fetch(`${app.url}/api/docs/openapi.json`)).json();
    const api = (await app.api('/api/v1/openapi.json')).body;
    expect(Object.keys(docs.paths).sort()).toEqual(Object.keys(api.paths).sort());
    expect(Object.keys(docs.paths).length).toBeGreaterThan(50);

    const guide: string = docs.info.description;
    expect(guide).toContain('## Authentication');
    expect(guide).toContain('Authorization: Bearer <accessToken>');
    expect(guide).toContain('X-API-Key: <key>');
    expect(guide).toContain('Idempotency-Key');
    expect(guide).toMatch(/## Example: announce a deposit\n\n```sh\n/);
    expect(docs.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    // An API key is offered exactly where the server takes one (domain/api-keys.ts API_KEY_ROUTES).
    expect(docs.components.securitySchemes.apiKeyAuth).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    const schemes = (method: string, path: string) =>
      (docs.paths[path][method].security as Record<string, unknown>[]).flatMap((r) => Object.keys(r));
    expect(schemes('post', '/orders/bulk')).toEqual(['bearerAuth', 'apiKeyAuth']);
    expect(schemes('put', '/quotes/{symbol}')).toEqual(['bearerAuth', 'apiKeyAuth']);
    expect(schemes('get', '/market/{symbol}/maker-stream')).toEqual(['bearerAuth', 'apiKeyAuth']);
    expect(schemes('post', '/deposits')).toEqual(['bearerAuth']);

    // Fields carry examples the reference shows beside them (e.g. an amount as a decimal string).
    const examples = JSON.stringify(docs).match(/"example":/g) ?? [];
    expect(examples.length).toBeGreaterThan(30);
    expect(JSON.stringify(docs.components.schemas)).toContain('"example":"1250.50"');
  });
});
