/**
 * API key administration (admin only). A secret is shown exactly once, in
 * the 201 answer to its creation; listings carry neither secrets nor hashes.
 */
import { z } from 'zod';
import type { ApiKeyRecord, Store } from '../../activities/store/port';
import { hashSecret, newKeyId, newSecret } from '../auth';
import { conflict, notFound } from '../errors';
import { defineRoute, type RouteSpec } from '../route';

const ROLES = ['reader', 'author', 'operator', 'admin'] as const;

const keyView = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    created_at: z.string(),
    revoked_at: z.string().optional(),
  })
  .meta({ id: 'ApiKey' });
const createdKey = keyView
  .extend({ key: z.string().meta({ description: 'the secret; shown only here' }) })
  .meta({ id: 'CreatedApiKey' });

function view(record: ApiKeyRecord): z.infer<typeof keyView> {
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    created_at: record.createdAt,
    ...(record.revokedAt ? { revoked_at: record.revokedAt } : {}),
  };
}

export function keyRoutes(deps: { store: Store }): RouteSpec[] {
  const { apiKeys } = deps.store;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/keys',
      operationId: 'createApiKey',
      summary: 'Issue an API key (the secret is returned once)',
      tags: ['keys'],
      access: 'admin',
      body: z.object({
        name: z.string().trim().min(1).max(100),
        role: z.enum(ROLES),
      }),
      responses: { 201: { description: 'the new key, with its secret', schema: createdKey } },
      async handler({ body, log, principal }) {
        const key = newSecret();
        const record: ApiKeyRecord = {
          id: newKeyId(),
          name: body.name,
          role: body.role,
          keyHash: hashSecret(key),
          createdAt: new Date().toISOString(),
        };
        await apiKeys.create(record);
        log.info({ keyId: record.id, role: record.role, by: principal?.keyId }, 'API key issued');
        return {
          status: 201,
          body: { ...view(record), key },
          headers: { Location: `/v1/keys/${record.id}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/keys',
      operationId: 'listApiKeys',
      summary: 'List API keys (no secrets)',
      tags: ['keys'],
      access: 'admin',
      responses: {
        200: { description: 'all keys, revoked ones included', schema: z.object({ keys: z.array(keyView) }) },
      },
      async handler() {
        return { status: 200, body: { keys: (await apiKeys.list()).map(view) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/keys/:id',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key',
      tags: ['keys'],
      access: 'admin',
      params: z.object({ id: z.string().min(1).max(64) }),
      responses: { 204: { description: 'revoked' } },
      async handler({ params, log, principal }) {
        const keys = await apiKeys.list();
        const target = keys.find((k) => k.id === params.id && k.revokedAt === undefined);
        if (!target) throw notFound('API key', params.id);
        // Revoking the last admin would leave nobody able to issue keys.
        const admins = keys.filter((k) => k.role === 'admin' && k.revokedAt === undefined);
        if (target.role === 'admin' && admins.length === 1) {
          throw conflict('cannot revoke the last active admin key; issue another admin key first');
        }
        if (!(await apiKeys.revoke(params.id, new Date().toISOString())))
          throw notFound('API key', params.id);
        log.info({ keyId: params.id, by: principal?.keyId }, 'API key revoked');
        return { status: 204 };
      },
    }),
  ];
}
