/**
 * Strategy submission and reads (SPEC §5, §6). A submission is validated in
 * full (api/routes/dags.ts readDagBody), stored under its content-addressed
 * id, its nodes registered, then `strategy:{id}` is started; Temporal's
 * workflow-id uniqueness is what makes a resubmission a 409 E_DUPLICATE.
 */
import { z } from 'zod';
import type { Store } from '../../activities/store/port';
import { STRATEGY_ID_PATTERN } from '../../domain/dag/strategy-id';
import { worldIdSchema } from '../../domain/world/world';
import { isTerminalStrategyStatus, STRATEGY_STATUSES } from '../../domain/strategy/lifecycle';
import { ProblemError } from '../errors';
import { defineRoute, type RouteSpec } from '../route';
import { strategyWorkflowId, type StrategyControl, type WorldControl } from '../temporal-client';
import {
  dagBodyFields,
  dagDiffSchema,
  diffAgainstRegistry,
  exactlyOneDag,
  readDagBody,
  registerNodes,
} from './dags';
import type { NodeTypeCatalog } from '../../domain/dag/node-types';
import { paperSettingsSchema } from '../../domain/run/paper-settings';

export const submitStrategySchema = z
  .object({
    ...dagBodyFields,
    world_ids: z.array(worldIdSchema).min(1).max(32),
    // Free-form for the author; what the platform reads from it is checked here.
    meta: z.looseObject({ paper: paperSettingsSchema.optional() }).optional(),
  })
  .refine(exactlyOneDag.check, exactlyOneDag.message)
  .meta({ id: 'SubmitStrategy' });

const strategyIdParams = z.object({
  id: z.string().regex(STRATEGY_ID_PATTERN, 'must be a 64-hex strategy id'),
});

const strategyStateSchema = z
  .object({
    strategy_id: z.string(),
    workflow_id: z.string(),
    status: z.enum(STRATEGY_STATUSES),
    world_ids: z.array(z.string()),
    node_count: z.number().int().optional(),
    bindings: z.array(z.object({ world_id: z.string(), effective_mode: z.string(), reason: z.string() })),
    transitions: z.array(z.object({ status: z.string(), at: z.string() })),
    worlds: z
      .array(
        z.object({
          world_id: z.string(),
          run_id: z.string(),
          evaluation_run_id: z.string().optional(),
          selected: z.boolean().optional(),
          reason_code: z.string().optional(),
          not_evaluated: z.string().optional(),
          effective_mode: z.string(),
          decision_reason: z.string(),
        }),
      )
      .optional()
      .meta({ description: "Each world's evaluation of the strategy's backtest and its decision" }),
    promotions: z
      .array(
        z.object({
          world_id: z.string(),
          to_stage: z.string(),
          verdict: z.string().optional(),
          blockers: z.array(z.string()).optional(),
          apply: z.object({ run_id: z.string(), phase: z.string(), error: z.string().optional() }).optional(),
          failed: z.string().optional(),
        }),
      )
      .optional()
      .meta({ description: 'Promotions the strategy proposed by itself after a selection' }),
    submitted_at: z.string(),
    stop_reason: z.string().optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'Strategy' });

const submittedSchema = z
  .object({
    strategy_id: z.string(),
    workflow_id: z.string(),
    status: z.literal('queued'),
    world_ids: z.array(z.string()),
    node_count: z.number().int(),
  })
  .meta({ id: 'StrategySubmitted' });

const dryRunSchema = z
  .object({ strategy_id: z.string(), node_count: z.number().int(), diff: dagDiffSchema })
  .meta({ id: 'StrategyDryRun' });

export interface StrategyRouteDeps {
  store: Store;
  temporal: StrategyControl & WorldControl;
  /** Node types DAGs may use (default: built-ins). */
  catalog?: NodeTypeCatalog;
}

export function strategyRoutes({ store, temporal, catalog }: StrategyRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/strategies',
      operationId: 'submitStrategy',
      summary: 'Submit a strategy DAG to one or more worlds',
      tags: ['strategies'],
      access: 'author',
      body: submitStrategySchema,
      responses: {
        202: { description: 'Accepted; the strategy workflow has started', schema: submittedSchema },
        409: { description: 'The same DAG was submitted before (E_DUPLICATE, carries strategy_id)' },
      },
      async handler({ body, req, principal }) {
        const accepted = readDagBody(body, req, catalog);
        await requireWorlds(temporal, body.world_ids);
        const submittedAt = new Date().toISOString();
        const { record } = await store.strategies.putIfAbsent({
          strategyId: accepted.strategyId,
          dagJson: accepted.canonicalText,
          worldIds: body.world_ids,
          nodeCount: accepted.dag.nodes.length,
          owner: principal?.keyId ?? 'anonymous',
          meta: body.meta ?? {},
          createdAt: submittedAt,
        });
        // Before the start, so a run never meets an unregistered node; registering twice changes nothing.
        await registerNodes(store, accepted, record.strategyId, submittedAt);
        // A stored record without a workflow (a crash between the two writes) is started now.
        const outcome = await temporal.startStrategy({
          strategyId: record.strategyId,
          worldIds: record.worldIds,
          owner: record.owner,
          submittedAt: record.createdAt,
          nodeCount: record.nodeCount,
        });
        if (outcome === 'already-started') {
          throw new ProblemError(409, 'E_DUPLICATE', 'Duplicate strategy', 'this DAG was submitted before', {
            strategy_id: record.strategyId,
          });
        }
        return {
          status: 202,
          headers: { Location: `/v1/strategies/${record.strategyId}` },
          body: {
            strategy_id: record.strategyId,
            workflow_id: strategyWorkflowId(record.strategyId),
            status: 'queued',
            world_ids: record.worldIds,
            node_count: record.nodeCount,
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/strategies/dry-run',
      operationId: 'dryRunStrategy',
      summary: 'Validate a submission and diff its DAG against the node registry; starts nothing',
      tags: ['strategies'],
      access: 'author',
      body: submitStrategySchema,
      idempotent: false,
      responses: {
        200: { description: 'What a submission would do', schema: dryRunSchema },
        400: { description: 'The DAG failed validation, with the same code a submission would get' },
      },
      async handler({ body, req }) {
        const accepted = readDagBody(body, req, catalog);
        await requireWorlds(temporal, body.world_ids);
        return {
          status: 200,
          body: {
            strategy_id: accepted.strategyId,
            node_count: accepted.dag.nodes.length,
            diff: await diffAgainstRegistry(store, accepted),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/strategies/:id',
      operationId: 'getStrategy',
      summary: "A strategy's lifecycle state, read from its workflow",
      tags: ['strategies'],
      access: 'reader',
      params: strategyIdParams,
      responses: { 200: { description: 'The strategy', schema: strategyStateSchema } },
      async handler({ params }) {
        const state = await temporal.strategyState(params.id);
        if (!state)
          throw new ProblemError(404, 'E_NOT_FOUND', 'Strategy not found', `no strategy '${params.id}'`);
        return {
          status: 200,
          body: {
            strategy_id: state.strategyId,
            workflow_id: strategyWorkflowId(state.strategyId),
            status: state.status,
            world_ids: state.worldIds,
            node_count: state.nodeCount,
            bindings: state.bindings.map((b) => ({
              world_id: b.worldId,
              effective_mode: b.effectiveMode,
              reason: b.reason,
            })),
            transitions: state.transitions,
            worlds: state.worlds,
            promotions: state.promotions,
            submitted_at: state.submittedAt,
            stop_reason: state.stopReason,
            error: state.error,
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/strategies/:id/stop',
      operationId: 'stopStrategy',
      summary: 'Ask a strategy to stop; its runs end and its workflow completes as stopped',
      tags: ['strategies'],
      access: 'author',
      params: strategyIdParams,
      body: z
        .object({ reason: z.string().min(1).max(500).optional() })
        .optional()
        .meta({ id: 'StopStrategy' }),
      responses: {
        202: {
          description: 'Stop requested',
          schema: z.object({ strategy_id: z.string(), status: z.string() }),
        },
        409: { description: 'The strategy has already ended (E_CONFLICT)' },
      },
      async handler({ params, body, principal }) {
        const state = await temporal.strategyState(params.id);
        if (!state)
          throw new ProblemError(404, 'E_NOT_FOUND', 'Strategy not found', `no strategy '${params.id}'`);
        if (isTerminalStrategyStatus(state.status)) {
          throw new ProblemError(409, 'E_CONFLICT', 'Strategy has ended', `the strategy is ${state.status}`, {
            status: state.status,
          });
        }
        const reason = body?.reason ?? `stopped by ${principal?.name ?? 'unknown'}`;
        await temporal.stopStrategy(params.id, reason);
        return { status: 202, body: { strategy_id: params.id, status: 'stopping' } };
      },
    }),
  ];
}

async function requireWorlds(temporal: WorldControl, worldIds: readonly string[]): Promise<void> {
  for (const worldId of worldIds) {
    if ((await temporal.world(worldId)) === undefined) {
      throw new ProblemError(404, 'E_NOT_FOUND', 'World not found', `world '${worldId}' does not exist`, {
        world_id: worldId,
      });
    }
  }
}
