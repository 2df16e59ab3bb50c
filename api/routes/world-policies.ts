/**
 * World policies (SPEC §9). Policies are versioned in the `world:{id}`
 * workflow; the Gateway parses them first, so a typo or unknown key is a 422
 * naming its path and never reaches workflow history. (The decision is read
 * in world-activation.ts.)
 */
import { z } from 'zod';
import { PolicyError, parsePolicy, parsePolicyText, type PolicyDocument } from '../../domain/world/policy';
import { worldIdSchema } from '../../domain/world/world';
import { ProblemError, notFound } from '../errors';
import { JSON_CONTENT_TYPE, defineRoute, type RouteSpec } from '../route';
import type { WorldPolicyControl } from '../temporal-client';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

// A YAML body reaches the schema as text (api/mount.ts); it is wrapped so both
// forms share one strict object and unknown top-level fields are still refused.
const addPolicyBody = z.preprocess(
  (value) => (typeof value === 'string' ? { policy: value } : value),
  z
    .strictObject({
      policy: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).meta({
        description: 'The policy (QMTL format) as an object, or its YAML/JSON text',
      }),
    })
    .meta({ id: 'AddWorldPolicy' }),
);

const policyVersionSchema = z
  .object({
    version: z.number().int(),
    created_at: z.string(),
    actor: z.string(),
    policy: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WorldPolicyVersion' });

const policiesSchema = z
  .object({ default_version: z.number().int().nullable(), versions: z.array(policyVersionSchema) })
  .meta({ id: 'WorldPolicies' });

const worldParams = z.object({ id: worldIdSchema });

/** Parses a policy given as an object or YAML/JSON text; 422 E_POLICY_INVALID naming each path. */
export function toPolicy(value: string | Record<string, unknown>): PolicyDocument {
  try {
    return typeof value === 'string' ? parsePolicyText(value) : parsePolicy(value);
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    const errors = err.issues.map((i) => ({ path: i.path, message: i.message, code: 'policy' }));
    throw new ProblemError(422, 'E_POLICY_INVALID', 'Invalid policy', err.message, undefined, errors);
  }
}

export function worldPolicyRoutes({ temporal }: { temporal: WorldPolicyControl }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/policies',
      operationId: 'addWorldPolicy',
      summary: 'Add a policy version (JSON {policy} or the policy as YAML); the first becomes default',
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      body: addPolicyBody,
      bodyContentTypes: [JSON_CONTENT_TYPE, ...YAML_TYPES],
      responses: {
        201: { description: 'Stored', schema: z.object({ version: z.number().int() }) },
        404: { description: 'No such world (E_NOT_FOUND)' },
        409: { description: 'The world refuses policies (retired, too many versions)' },
        422: { description: 'The policy is invalid; `errors` name each path (E_POLICY_INVALID)' },
      },
      async handler({ params, body, principal }) {
        const policy = toPolicy(body.policy);
        const added = await temporal.addWorldPolicy(params.id, policy, principal?.keyId ?? 'anonymous');
        return { status: 201, headers: { Location: `/v1/worlds/${params.id}/policies` }, body: added };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/worlds/:id/policies',
      operationId: 'listWorldPolicies',
      summary: "A world's policy versions and its default",
      tags: ['worlds'],
      access: 'reader',
      params: worldParams,
      responses: { 200: { description: 'Policy versions', schema: policiesSchema } },
      async handler({ params }) {
        const policies = await temporal.worldPolicies(params.id);
        if (!policies) throw notFound('world', params.id);
        return { status: 200, body: policies };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/policies/:v/default',
      operationId: 'setDefaultWorldPolicy',
      summary: 'Make a policy version the default',
      tags: ['worlds'],
      access: 'operator',
      params: z.object({ id: worldIdSchema, v: z.coerce.number().int().positive() }),
      responses: {
        200: { description: 'The new default', schema: z.object({ default_version: z.number().int() }) },
        404: { description: 'No such world or version (E_NOT_FOUND)' },
      },
      async handler({ params, principal }) {
        const result = await temporal.setDefaultWorldPolicy(
          params.id,
          params.v,
          principal?.keyId ?? 'anonymous',
        );
        return { status: 200, body: result };
      },
    }),
  ];
}
