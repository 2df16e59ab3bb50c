/**
 * Strategy submission and reads (SPEC §5, §6). A submission is stored under
 * its content-addressed id, then `strategy:{id}` is started; Temporal's
 * workflow-id uniqueness is what makes a resubmission a 409 E_DUPLICATE.
 */
import { z } from 'zod';
import type { Store } from '../../activities/store/port';
import { parseLossless, type JsonValue } from '../../domain/canonical-json';
import { acceptDag, decodeDagJson, isIntakeError, type AcceptedDag } from '../../domain/dag/intake';
import { STRATEGY_ID_PATTERN } from '../../domain/dag/strategy-id';
import { worldIdSchema } from '../../domain/world/world';
import { isTerminalStrategyStatus, STRATEGY_STATUSES } from '../../domain/strategy/lifecycle';
import { ProblemError } from '../errors';
import { rawBodyText } from '../raw-body';
import { defineRoute, type RouteSpec } from '../route';
import { strategyWorkflowId, type StrategyControl, type WorldControl } from '../temporal-client';

export const submitStrategySchema = z
  .object({
    dag: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'The DAG inline: {nodes: [DagNode, ...]}' }),
    dag_json: z.string().max(16_000_000).optional().meta({ description: 'Base64 of the DAG JSON text' }),
    world_ids: z.array(worldIdSchema).min(1).max(32),
    node_ids_crc32: z.number().int().min(0).max(0xffffffff).optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => (b.dag === undefined) !== (b.dag_json === undefined), {
    message: 'send exactly one of dag or dag_json',
    path: ['dag'],
  })
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

export interface StrategyRouteDeps {
  store: Store;
  temporal: StrategyControl & WorldControl;
}

export function strategyRoutes({ store, temporal }: StrategyRouteDeps): RouteSpec[] {
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
        const accepted = intake(body.dag_json, rawBodyText(req));
        for (const worldId of body.world_ids) {
          if ((await temporal.world(worldId)) === undefined) {
            throw new ProblemError(
              404,
              'E_NOT_FOUND',
              'World not found',
              `world '${worldId}' does not exist`,
              {
                world_id: worldId,
              },
            );
          }
        }
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

/** The DAG as sent, parsed losslessly, validated, and given its id; 400 otherwise. */
function intake(dagJson: string | undefined, rawBody: string | undefined): AcceptedDag {
  let lossless: JsonValue;
  let field: 'dag' | 'dag_json';
  if (dagJson !== undefined) {
    const decoded = decodeDagJson(dagJson);
    if (isIntakeError(decoded)) throw intakeProblem(decoded);
    lossless = decoded;
    field = 'dag_json';
  } else {
    // The body was already parsed once, so the raw text is valid JSON here.
    lossless = (parseLossless(rawBody ?? '{}') as { dag: JsonValue }).dag;
    field = 'dag';
  }
  const accepted = acceptDag(lossless, field);
  if (isIntakeError(accepted)) throw intakeProblem(accepted);
  return accepted;
}

function intakeProblem(error: {
  code: string;
  detail: string;
  errors: ProblemError['errors'];
}): ProblemError {
  const title = error.code === 'E_NODE_ID_FIELDS' ? 'Node fields missing' : 'Invalid DAG';
  return new ProblemError(400, error.code, title, error.detail, undefined, error.errors);
}
