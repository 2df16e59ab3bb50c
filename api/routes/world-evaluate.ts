/**
 * `POST /v1/worlds/{id}/evaluate` (SPEC §9): runs the world's policy (its
 * default version, or one given inline) over the metrics given and records
 * the run in the world. It never changes activation: turning a selection into
 * trading is an apply. The run id (given, or a hash of the request) makes a
 * retried evaluation return the recorded run instead of a second one.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, type JsonValue } from '../../domain/canonical-json';
import { STAGES, activationView } from '../../domain/world/activation';
import {
  evaluatePolicy,
  type CorrelationEntry,
  type PolicyEvaluation,
} from '../../domain/world/policy-engine';
import { PolicyError, type PolicyDocument } from '../../domain/world/policy';
import type { EvaluationResult, EvaluationRun, WorldSnapshot } from '../../workflows/world-messages';
import { ProblemError, validationError } from '../errors';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldPolicyControl } from '../temporal-client';
import type { WorldServiceControl } from '../temporal-worlds';
import { toPolicy } from './world-policies';
import { actorOf, requireSnapshot, strategyIdSchema, worldParams } from './world-guards';

const rho = z.number().min(-1).max(1);

const evaluateBody = z
  .object({
    metrics: z
      .record(strategyIdSchema, z.record(z.string().min(1).max(64), z.number()))
      .refine((m) => Object.keys(m).length > 0 && Object.keys(m).length <= 500, '1-500 strategies')
      .meta({ description: '{strategy: {metric: value}}' }),
    correlations: z
      .union([
        z.record(z.string().regex(/^[^,]+,[^,]+$/, '"a,b"'), rho),
        z.array(z.strictObject({ a: strategyIdSchema, b: strategyIdSchema, rho })).max(125_000),
      ])
      .optional()
      .meta({ description: '{"a,b": rho} or [{a, b, rho}]; an unlisted pair counts as uncorrelated' }),
    previous: z
      .array(strategyIdSchema)
      .max(500)
      .optional()
      .meta({ description: "Incumbents for hysteresis; default: the world's active strategies" }),
    stage: z.enum(STAGES).default('backtest'),
    policy: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .optional()
      .meta({ description: "An inline policy instead of the world's default version" }),
    run_id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/)
      .optional(),
  })
  .meta({ id: 'EvaluateWorld' });

type EvaluateBody = z.output<typeof evaluateBody>;

const resultSchema = z.object({
  status: z.enum(['active', 'inactive']),
  reason_code: z.string(),
  reasons: z.array(z.string()),
});

const evaluationSchema = z
  .object({
    evaluation_run_id: z.string(),
    active: z.array(z.string()),
    results: z.record(z.string(), resultSchema),
    policy_version: z.number().int().nullable(),
    profile: z.string().nullable(),
    stage: z.enum(STAGES),
    replayed: z.boolean().meta({ description: 'true when this run id had been recorded before' }),
  })
  .meta({ id: 'WorldEvaluation' });

function correlationEntries(given: EvaluateBody['correlations']): CorrelationEntry[] {
  if (given === undefined) return [];
  if (Array.isArray(given)) return given;
  return Object.entries(given).map(([pair, value]) => {
    const [a, b] = pair.split(',') as [string, string];
    return { a: a.trim(), b: b.trim(), rho: value };
  });
}

/** Strategies whose entries read active now (a closed window does not count). */
const activeStrategies = (snapshot: WorldSnapshot): string[] => [
  ...new Set(
    activationView(snapshot.activation, Date.now())
      .filter((v) => v.active)
      .map((v) => v.strategy_id),
  ),
];

function runEngine(policy: PolicyDocument, body: EvaluateBody, previous: string[]): PolicyEvaluation {
  try {
    return evaluatePolicy(policy, {
      metrics: body.metrics,
      correlations: correlationEntries(body.correlations),
      previous,
      stage: body.stage,
    });
  } catch (err) {
    if (err instanceof PolicyError) {
      const errors = err.issues.map((i) => ({ path: i.path, message: i.message, code: 'policy' }));
      throw new ProblemError(
        422,
        'E_POLICY_INVALID',
        'Policy cannot evaluate',
        err.message,
        undefined,
        errors,
      );
    }
    if (err instanceof RangeError)
      throw validationError([{ path: 'body.correlations', message: err.message }]);
    throw err;
  }
}

const toResult = (r: PolicyEvaluation['results'][number]): EvaluationResult => ({
  status: r.selected ? 'active' : 'inactive',
  reason_code: r.reasons[0] ?? (r.selected ? 'SELECTED' : 'NOT_SELECTED'),
  reasons: r.reasons,
});

export function worldEvaluateRoutes({
  temporal,
}: {
  temporal: WorldServiceControl & WorldPolicyControl;
}): RouteSpec[] {
  /** The inline policy, else the default version; none is a 409 (nothing to evaluate against). */
  const policyFor = async (worldId: string, inline: EvaluateBody['policy']) => {
    if (inline !== undefined) return { policy: toPolicy(inline), version: null };
    const policies = await temporal.worldPolicies(worldId);
    const stored = policies?.versions.find((v) => v.version === policies.default_version);
    if (!stored) {
      throw new ProblemError(
        409,
        'E_POLICY_MISSING',
        'No policy',
        `world '${worldId}' has no default policy`,
        {
          world_id: worldId,
        },
      );
    }
    return { policy: stored.policy, version: stored.version };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/evaluate',
      operationId: 'evaluateWorld',
      summary: 'Select strategies by the policy and record the run; activation is not changed',
      tags: ['worlds'],
      access: 'operator',
      params: worldParams,
      body: evaluateBody,
      responses: {
        200: { description: 'The recorded evaluation run', schema: evaluationSchema },
        404: { description: 'No such world (E_NOT_FOUND)' },
        409: { description: 'No default policy and none inline (E_POLICY_MISSING), or the world is deleted' },
        422: {
          description: 'The inline policy is invalid, or has no profile for the stage (E_POLICY_INVALID)',
        },
      },
      async handler({ params, body, principal }) {
        const snapshot = await requireSnapshot(temporal, params.id);
        const { policy, version } = await policyFor(params.id, body.policy);
        const previous = body.previous ?? activeStrategies(snapshot);
        const evaluation = runEngine(policy, body, previous);
        // The same request against the same world state is the same run; new incumbents make a new one.
        const runId =
          body.run_id ??
          `eval-${createHash('sha256')
            .update(
              canonicalJson({ request: body, policy_version: version, previous } as unknown as JsonValue),
            )
            .digest('hex')
            .slice(0, 32)}`;
        const run: Omit<EvaluationRun, 'at'> = {
          evaluation_run_id: runId,
          stage: body.stage,
          policy_version: version,
          profile: evaluation.profile,
          active: evaluation.selected,
          results: Object.fromEntries(evaluation.results.map((r) => [r.strategy_id, toResult(r)])),
          source: { kind: 'api' },
        };
        const recorded = await temporal.worldWrite(params.id, 'recordEvaluation', {
          actor: actorOf(principal),
          evaluation: run,
        });
        const stored = recorded.evaluation;
        return {
          status: 200,
          body: {
            evaluation_run_id: stored.evaluation_run_id,
            active: stored.active,
            results: stored.results,
            policy_version: stored.policy_version,
            profile: stored.profile,
            stage: stored.stage,
            replayed: recorded.replayed,
          },
        };
      },
    }),
  ];
}
