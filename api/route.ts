/**
 * The one shape every Gateway endpoint is written in. A RouteSpec carries its
 * zod schemas, access level and responses, so the same object drives request
 * validation (api/mount.ts), authorisation and the OpenAPI document.
 */
import type express from 'express';
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { Role } from '../activities/store/port';
import type { Logger } from '../workers/logger';

// Route modules import this file before declaring schemas, so `.openapi()`
// is available to them; `.meta({...})` works as well and needs no patching.
extendZodWithOpenApi(z);

export type Access = Role | 'public';

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | undefined;
  req: express.Request;
  res: express.Response;
  log: Logger;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Defaults to application/json; a string body with another type is sent as is (csv, svg). */
  contentType?: string;
  /**
   * The handler wrote (and ended) the response itself, e.g. a Server-Sent
   * Events stream; mount.ts sends nothing more. Only for GETs: there is no
   * answer an Idempotency-Key could replay.
   */
  stream?: boolean;
}

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express style: '/v1/strategies/:id'. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  access: Access;
  /** Unknown top-level fields are refused; nest z.strictObject for inner objects. */
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Media types the body may arrive in; default ['application/json']. Non-JSON
   * bodies reach the body schema as a string (e.g. application/yaml).
   */
  bodyContentTypes?: string[];
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** POSTs honour Idempotency-Key unless false. */
  idempotent?: boolean;
  handler(ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<RouteResult>;
}

export const JSON_CONTENT_TYPE = 'application/json';

/**
 * Types the handler against its own schemas, then erases them so routes of
 * different shapes fit one list. Schemas are kept as given (their identity
 * carries OpenAPI names); api/validate.ts refuses unknown top-level fields of
 * plain z.object()s, since a silently dropped field is how QMTL's policy
 * parser lost settings (SPEC §12). Use z.strictObject for nested objects.
 */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** Role order: each role can do what the roles before it can. */
export const ROLE_RANK: Record<Role, number> = { reader: 0, author: 1, operator: 2, admin: 3 };

export function roleAllows(have: Role, need: Access): boolean {
  return need === 'public' || ROLE_RANK[have] >= ROLE_RANK[need];
}
