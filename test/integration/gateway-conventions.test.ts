/**
 * Gateway conventions every endpoint inherits (SPEC §5): problem+json errors,
 * API-key auth and roles, 404/405, body limits and media types, request ids,
 * OpenAPI, docs, metrics — against a real app, SQLite store and HTTP server.
 */
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../../api/route';
import { rawBodyText } from '../../api/raw-body';
import { runBadInputTable } from '../support/bad-input';
import { bootGateway, healthyTemporal, type TestGateway } from '../support/gateway';

const temporal = healthyTemporal();

/** Test-only routes that exercise what the built-ins cannot (a crash, a YAML body, typed fields). */
const testRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/v1/test/crash',
    operationId: 'testCrash',
    summary: 'throws a plain error',
    tags: ['test'],
    access: 'reader',
    responses: { 200: { description: 'never' } },
    async handler() {
      throw new Error('secret internals at /srv/qmtl/db.ts:42');
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/test/things/:n',
    operationId: 'testTyped',
    summary: 'typed params, query and body',
    tags: ['test'],
    access: 'author',
    params: z.object({ n: z.coerce.number().int().min(1) }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(10).optional() }),
    body: z.object({
      name: z.string(),
      size: z.number(),
      tags: z.array(z.string()),
      opts: z.strictObject({ a: z.boolean() }),
    }),
    responses: { 200: { description: 'echo' } },
    async handler({ params, query, body, req }) {
      const raw = rawBodyText(req);
      return { status: 200, body: { params, query, body, raw } };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/v1/test/yaml',
    operationId: 'testYaml',
    summary: 'accepts a YAML text body',
    tags: ['test'],
    access: 'reader',
    body: z.string().min(1),
    bodyContentTypes: ['application/yaml'],
    responses: { 200: { description: 'length' } },
    async handler({ body }) {
      return { status: 200, body: { length: body.length } };
    },
  }),
];

let gw: TestGateway;
let readerKey: string;
let authorKey: string;

beforeAll(async () => {
  gw = await bootGateway({ routes: testRoutes, temporal, config: { maxBodyBytes: 4096 } });
  readerKey = (await gw.issueKey('reader')).key;
  authorKey = (await gw.issueKey('author')).key;
});
afterAll(() => gw.close());

const call = (
  method: string,
  path: string,
  init: { key?: string; headers?: Record<string, string>; body?: string } = {},
) =>
  fetch(gw.url + path, {
    method,
    headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...init.headers },
    body: init.body,
  });
const json = { 'content-type': 'application/json' };

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: `https://qmtl.dev/problems/${code}`, status, code });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
  return body;
}

describe('authentication and roles', () => {
  it('refuses a missing key with 401 and a Bearer challenge', async () => {
    const res = await call('GET', '/v1/status');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectProblem(res, 401, 'E_UNAUTHENTICATED');
  });

  it('refuses unknown and malformed keys', async () => {
    await expectProblem(await call('GET', '/v1/status', { key: 'qmtl_nope' }), 401, 'E_UNAUTHENTICATED');
    await expectProblem(
      await call('GET', '/v1/status', { headers: { authorization: 'Basic abc' } }),
      401,
      'E_UNAUTHENTICATED',
    );
  });

  it('refuses a revoked key', async () => {
    const { id, key } = await gw.issueKey('reader', 'short-lived');
    expect((await call('GET', '/v1/status', { key })).status).toBe(200);
    expect((await call('DELETE', `/v1/keys/${id}`, { key: gw.adminKey })).status).toBe(204);
    await expectProblem(await call('GET', '/v1/status', { key }), 401, 'E_UNAUTHENTICATED');
  });

  it('answers 403 when the role ranks too low, and lets higher roles through', async () => {
    const body = await expectProblem(
      await call('GET', '/v1/keys', { key: readerKey }),
      403,
      'E_PERMISSION_DENIED',
    );
    expect(body).toMatchObject({ required_role: 'admin', role: 'reader' });
    expect((await call('GET', '/v1/status', { key: gw.adminKey })).status).toBe(200);
  });

  it('authenticates before reading the body: 401 beats malformed JSON', async () => {
    await expectProblem(
      await call('POST', '/v1/keys', { headers: json, body: '{oops' }),
      401,
      'E_UNAUTHENTICATED',
    );
  });
});

describe('routing', () => {
  it('answers unknown paths with a 404 problem', async () => {
    await expectProblem(await call('GET', '/v1/no-such-thing'), 404, 'E_NOT_FOUND');
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const res = await call('PATCH', '/v1/keys', { key: gw.adminKey });
    expect(res.headers.get('allow')).toBe('POST, GET, HEAD, OPTIONS');
    await expectProblem(res, 405, 'E_METHOD_NOT_ALLOWED');
    const options = await call('OPTIONS', '/v1/health');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });
});

describe('request bodies', () => {
  it('refuses an oversized body with 413', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(5000), role: 'reader' });
    await expectProblem(
      await call('POST', '/v1/keys', { key: gw.adminKey, headers: json, body }),
      413,
      'E_PAYLOAD_TOO_LARGE',
    );
  });

  it('refuses a non-JSON content type with 415, and a missing one', async () => {
    const headers = { 'content-type': 'text/plain' };
    await expectProblem(
      await call('POST', '/v1/keys', { key: gw.adminKey, headers, body: 'x' }),
      415,
      'E_UNSUPPORTED_MEDIA_TYPE',
    );
    const untyped = await fetch(`${gw.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.adminKey}` },
      body: new Uint8Array(Buffer.from('{"name":"a","role":"reader"}')),
    });
    await expectProblem(untyped, 415, 'E_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses malformed JSON with E_MALFORMED_JSON', async () => {
    await expectProblem(
      await call('POST', '/v1/keys', { key: gw.adminKey, headers: json, body: '{"name": ' }),
      400,
      'E_MALFORMED_JSON',
    );
  });

  it('names every bad field: unknown, wrong type, missing, nested, params and query', async () => {
    const body = JSON.stringify({ name: 5, size: 1, opts: { a: true, b: 1 }, extra: true });
    const res = await call('POST', '/v1/test/things/zero?limit=99', { key: authorKey, headers: json, body });
    const problem = await expectProblem(res, 400, 'E_VALIDATION');
    const paths = (problem.errors as Array<{ path: string; code: string }>)
      .map((e) => `${e.path}:${e.code}`)
      .sort();
    expect(paths).toEqual([
      'body.extra:unrecognized_keys',
      'body.name:invalid_type',
      'body.opts.b:unrecognized_keys',
      'body.tags:invalid_type',
      'params.n:invalid_type',
      'query.limit:too_big',
    ]);
  });

  it('hands coerced, typed values to the handler', async () => {
    const body = JSON.stringify({ name: 'a', size: 2, tags: [], opts: { a: false } });
    const res = await call('POST', '/v1/test/things/3?limit=4', { key: authorKey, headers: json, body });
    expect(res.status).toBe(200);
    // The exact bytes stay on req.rawBody for routes that hash content.
    expect(await res.json()).toEqual({
      params: { n: 3 },
      query: { limit: 4 },
      body: JSON.parse(body),
      raw: body,
    });
  });

  it('lets a route opt into another media type (YAML arrives as text)', async () => {
    const res = await call('PUT', '/v1/test/yaml', {
      key: readerKey,
      headers: { 'content-type': 'application/yaml' },
      body: 'a: 1\n',
    });
    expect(await res.json()).toEqual({ length: 5 });
    const asJson = await call('PUT', '/v1/test/yaml', { key: readerKey, headers: json, body: '{}' });
    await expectProblem(asJson, 415, 'E_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('failures and request ids', () => {
  it('turns an unexpected error into a bare 500 with the request id, no internals', async () => {
    const res = await call('POST', '/v1/test/crash', {
      key: readerKey,
      headers: { 'x-request-id': 'trace-crash-1' },
    });
    const text = JSON.stringify(await expectProblem(res, 500, 'E_INTERNAL'));
    expect(res.headers.get('x-request-id')).toBe('trace-crash-1');
    expect(text).toContain('trace-crash-1');
    expect(text).not.toMatch(/secret internals|\/srv\/|\.ts:|at /);
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    expect(
      (await call('GET', '/v1/health', { headers: { 'x-request-id': 'abc-123' } })).headers.get(
        'x-request-id',
      ),
    ).toBe('abc-123');
    const replaced = (
      await call('GET', '/v1/health', { headers: { 'x-request-id': 'bad id "quoted"' } })
    ).headers.get('x-request-id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health and status', () => {
  it('/v1/health is public and always ok', async () => {
    const res = await call('GET', '/v1/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/v1/status reports Temporal and the store, 503 when Temporal is down', async () => {
    const up = await call('GET', '/v1/status', { key: readerKey });
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({
      status: 'ok',
      temporal: { ok: true, namespace: 'default', address: '127.0.0.1:7233' },
      store: { ok: true, kind: 'sqlite' },
    });
    temporal.up = false;
    try {
      const down = await call('GET', '/v1/status', { key: readerKey });
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        status: 'degraded',
        temporal: { ok: false, detail: 'connection refused' },
      });
    } finally {
      temporal.up = true;
    }
  });
});

describe('OpenAPI, docs and metrics', () => {
  it('publishes an OpenAPI 3.1 document covering every mounted route', async () => {
    const doc = (await (await call('GET', '/v1/openapi.json')).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { operationId: string; security: unknown[]; responses: Record<string, unknown> }>
      >;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    expect(doc.components.schemas.Problem).toBeDefined();
    for (const route of gw.routes) {
      const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method];
      expect(op?.operationId).toBe(route.operationId);
      expect(op?.security).toEqual(route.access === 'public' ? [] : [{ bearerAuth: [] }]);
      expect(op?.responses['500']).toBeDefined();
    }
    expect(doc.paths['/v1/keys/{id}']?.delete?.responses['404']).toBeDefined();
  });

  it('serves the API reference page with local assets', async () => {
    const page = await call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/https?:\/\/(unpkg|cdn)/);
    expect((await call('GET', '/docs/swagger-ui-bundle.js')).status).toBe(200);
  });

  it('exposes request counters and durations by route template', async () => {
    await call('GET', '/v1/health');
    await call('DELETE', '/v1/keys/key_unknown', { key: gw.adminKey });
    const text = await (await call('GET', '/metrics')).text();
    expect(text).toMatch(/qmtl_http_requests_total\{method="GET",route="\/v1\/health",status="200"\} \d+/);
    expect(text).toMatch(
      /qmtl_http_requests_total\{method="DELETE",route="\/v1\/keys\/:id",status="404"\} 1/,
    );
    expect(text).toMatch(
      /qmtl_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/health"\}/,
    );
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});

it('refuses every bad input on every mounted route with a 4xx problem (bad-input table)', async () => {
  const failures = await runBadInputTable(gw.url, gw.adminKey, gw.routes, {
    maxBodyBytes: gw.config.maxBodyBytes,
  });
  expect(failures).toEqual([]);
});

it('bad-input table reports a server that answers bad input wrongly', async () => {
  // A stand-in that accepts everything (200) or crashes (500): each probe must be flagged.
  const { createServer } = await import('node:http');
  let crash = false;
  const server = createServer((_req, res) =>
    res.writeHead(crash ? 500 : 200, { 'content-type': 'application/json' }).end('{}'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const routes = gw.routes.filter((r) => r.operationId === 'testTyped');
    const accepted = await runBadInputTable(url, 'k', routes, { maxBodyBytes: 4096 });
    crash = true;
    const crashed = await runBadInputTable(url, 'k', routes, { maxBodyBytes: 4096 });
    const probes = accepted.map((f) => f.probe);
    expect(probes).toEqual(
      expect.arrayContaining(['no key', 'invalid key', 'malformed JSON', 'unknown field', 'oversized body']),
    );
    expect(probes).toEqual(
      expect.arrayContaining(['field name=12345', 'field size="not-a-number"', 'param n="not-a-number"']),
    );
    expect(crashed).toHaveLength(accepted.length);
    expect(crashed.every((f) => f.reason === 'expected a 4xx answer')).toBe(true);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
