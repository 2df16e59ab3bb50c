import { z } from 'zod';
import { assertUniqueRoutes, buildOpenApiDocument, toOpenApiPath } from '../../api/openapi';
import { defineRoute, type RouteSpec } from '../../api/route';

const handler = async () => ({ status: 200 });
const world = z.object({ id: z.string(), name: z.string() }).meta({ id: 'World' });
const routes: RouteSpec[] = [
  defineRoute({
    method: 'put',
    path: '/v1/worlds/:id',
    operationId: 'putWorld',
    summary: 'replace a world',
    tags: ['worlds'],
    access: 'operator',
    params: z.object({ id: z.string() }),
    query: z.object({ dry_run: z.enum(['true', 'false']).optional() }),
    body: z.object({ name: z.string() }),
    bodyContentTypes: ['application/json', 'application/yaml'],
    responses: { 200: { description: 'the world', schema: world } },
    handler,
  }),
  defineRoute({
    method: 'post',
    path: '/v1/worlds',
    operationId: 'createWorld',
    summary: 'create',
    tags: ['worlds'],
    access: 'operator',
    body: world,
    responses: { 201: { description: 'created', schema: world } },
    handler,
  }),
  defineRoute({
    method: 'get',
    path: '/v1/ping',
    operationId: 'ping',
    summary: 'ping',
    tags: [],
    access: 'public',
    responses: { 200: { description: 'pong' } },
    handler,
  }),
];

type Op = {
  parameters?: Array<{ name: string; in: string }>;
  security: unknown[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};

describe('buildOpenApiDocument', () => {
  const doc = buildOpenApiDocument(routes) as unknown as {
    openapi: string;
    paths: Record<string, Record<string, Op>>;
    components: { schemas: Record<string, unknown> };
  };
  const put = doc.paths['/v1/worlds/{id}']!.put!;

  it('is OpenAPI 3.1 with express params as {id}', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/v1/ping', '/v1/worlds', '/v1/worlds/{id}']);
    expect(put.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:dry_run']);
  });

  it('documents auth and the conventional problem responses', () => {
    expect(put.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/v1/ping']!.get!.security).toEqual([]);
    expect(Object.keys(put.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '413',
      '415',
      '500',
    ]);
    expect(put.responses['401']!.content!['application/problem+json']!.schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
    expect(Object.keys(doc.paths['/v1/ping']!.get!.responses).sort()).toEqual(['200', '500']);
    expect(Object.keys(doc.paths['/v1/worlds']!.post!.responses)).toContain('409');
  });

  it('lists every accepted body media type and marks inline bodies closed', () => {
    expect(Object.keys(put.requestBody!.content)).toEqual(['application/json', 'application/yaml']);
    expect(put.requestBody!.content['application/json']!.schema.additionalProperties).toBe(false);
    expect(doc.components.schemas.World).toBeDefined();
  });

  it('documents the Idempotency-Key header on idempotent POSTs', () => {
    const post = doc.paths['/v1/worlds']!.post!;
    expect(post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'Idempotency-Key' })]),
    );
  });
});

describe('route table checks', () => {
  it('converts paths', () => {
    expect(toOpenApiPath('/v1/worlds/:id/apply/:runId')).toBe('/v1/worlds/{id}/apply/{runId}');
  });

  it('refuses duplicate operation ids and method+path pairs', () => {
    expect(() => assertUniqueRoutes([routes[0]!, { ...routes[1]!, operationId: 'putWorld' }])).toThrow(
      /op putWorld/,
    );
    expect(() => assertUniqueRoutes([routes[2]!, { ...routes[2]!, operationId: 'other' }])).toThrow(
      /GET \/v1\/ping/,
    );
  });
});
