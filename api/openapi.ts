/**
 * The OpenAPI 3.1 document, generated from the RouteSpecs' zod schemas (never
 * hand-written, so it cannot drift from what the Gateway validates), plus the
 * conventions every route shares: bearer auth and problem+json errors.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_CODES, PROBLEM_CONTENT_TYPE } from './errors';
import { IDEMPOTENCY_HEADER } from './idempotency';
import { JSON_CONTENT_TYPE, defineRoute, type RouteSpec } from './route';
import { openObjectOf } from './validate';

const problemSchema = z
  .object({
    type: z.string().meta({ example: 'https://qmtl.dev/problems/E_VALIDATION' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: `Stable error code, e.g. ${ERROR_CODES.join(', ')}` }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() }))
      .optional(),
    instance: z.string().optional(),
    request_id: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** Express `/v1/worlds/:id` → OpenAPI `/v1/worlds/{id}`. */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

const takesBody = (route: RouteSpec) => route.method === 'post' || route.method === 'put';
const isIdempotent = (route: RouteSpec) => route.method === 'post' && route.idempotent !== false;

/** The shared failure answers a route can give, by why it can give them. */
function conventionalErrors(route: RouteSpec): Record<number, string> {
  const errors: Record<number, string> = {};
  if (route.params || route.query || takesBody(route))
    errors[400] = 'Invalid request (E_VALIDATION, E_MALFORMED_JSON)';
  if (route.access !== 'public') {
    errors[401] = 'Missing, unknown or revoked API key (E_UNAUTHENTICATED)';
    errors[403] = `API key lacks the '${route.access}' role (E_PERMISSION_DENIED)`;
  }
  if (route.path.includes(':')) errors[404] = 'No such resource (E_NOT_FOUND)';
  if (isIdempotent(route)) errors[409] = 'Idempotency-Key reused or in progress (E_IDEMPOTENCY_*)';
  if (takesBody(route)) {
    errors[413] = 'Body too large (E_PAYLOAD_TOO_LARGE)';
    errors[415] = 'Unsupported content type (E_UNSUPPORTED_MEDIA_TYPE)';
  }
  errors[500] = 'Unexpected failure (E_INTERNAL); quote request_id';
  return errors;
}

function responsesOf(route: RouteSpec): Record<string, ResponseConfig> {
  const out: Record<string, ResponseConfig> = {};
  for (const [status, description] of Object.entries(conventionalErrors(route))) {
    out[status] = { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
  }
  for (const [status, response] of Object.entries(route.responses)) {
    const type = response.contentType ?? JSON_CONTENT_TYPE;
    const schema = response.schema ?? (type === JSON_CONTENT_TYPE ? undefined : z.string());
    out[status] = {
      description: response.description,
      ...(schema ? { content: { [type]: { schema } } } : {}),
    };
  }
  return out;
}

function register(registry: OpenAPIRegistry, route: RouteSpec): void {
  const bodyTypes = route.bodyContentTypes ?? [JSON_CONTENT_TYPE];
  registry.registerPath({
    method: route.method,
    path: toOpenApiPath(route.path),
    operationId: route.operationId,
    summary: route.summary,
    description:
      route.access === 'public' ? 'Public.' : `Requires an API key with at least the '${route.access}' role.`,
    tags: route.tags,
    security: route.access === 'public' ? [] : [{ bearerAuth: [] }],
    request: {
      params: route.params as z.ZodObject | undefined,
      query: route.query as z.ZodObject | undefined,
      headers: isIdempotent(route)
        ? z.object({ [IDEMPOTENCY_HEADER]: z.string().min(1).max(255).optional() })
        : undefined,
      body:
        route.body && takesBody(route)
          ? {
              required: true,
              content: Object.fromEntries(bodyTypes.map((t) => [t, { schema: route.body! }])),
            }
          : undefined,
    },
    responses: responsesOf(route),
  });
}

/** Throws on duplicate operation ids or method+path pairs: both would silently shadow a route. */
export function assertUniqueRoutes(routes: RouteSpec[]): void {
  const seen = new Set<string>();
  for (const route of routes) {
    for (const key of [`op ${route.operationId}`, `${route.method.toUpperCase()} ${route.path}`]) {
      if (seen.has(key)) throw new Error(`duplicate route definition: ${key}`);
      seen.add(key);
    }
  }
}

export function buildOpenApiDocument(
  routes: RouteSpec[],
): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'API key `qmtl_…` issued by POST /v1/keys (or the bootstrap admin key)',
  });
  registry.register('Problem', problemSchema);
  for (const route of routes) register(registry, route);
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'QMTL Gateway',
      version: '1.0.0',
      description:
        'Strategies, worlds, data, orders and allocations on Temporal. Errors are application/problem+json.',
    },
  });
  markClosedBodies(doc, routes);
  return doc;
}

/**
 * Inline request-body objects are refused with unknown fields at run time
 * (api/validate.ts), so say so in the document too. Named components are
 * left open because responses may share them.
 */
function markClosedBodies(
  doc: ReturnType<OpenApiGeneratorV31['generateDocument']>,
  routes: RouteSpec[],
): void {
  for (const route of routes) {
    if (!route.body || openObjectOf(route.body) === undefined) continue;
    const op = doc.paths?.[toOpenApiPath(route.path)]?.[route.method];
    const content = (
      op?.requestBody as { content?: Record<string, { schema?: Record<string, unknown> }> } | undefined
    )?.content;
    for (const media of Object.values(content ?? {})) {
      const schema = media.schema;
      if (schema && schema.type === 'object' && schema.additionalProperties === undefined)
        schema.additionalProperties = false;
    }
  }
}

export function openApiRoute(document: () => object) {
  return defineRoute({
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This OpenAPI 3.1 document',
    tags: ['operations'],
    access: 'public',
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    async handler() {
      return { status: 200, body: document() };
    },
  });
}
