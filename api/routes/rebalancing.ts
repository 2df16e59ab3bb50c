/**
 * Rebalancing over HTTP (SPEC §9), QMTL's shapes: `plan` answers the deltas
 * of a weight change; `execute` answers the orders, and with `submit=true`
 * (operator) sends them through `rebalance:{run_id}` and waits a bounded time
 * for the outcome (202 + `GET /v1/rebalancing/{run_id}` past it). A body
 * without `run_id` gets one derived from its hash, so resending the same body
 * joins the same rebalance instead of trading twice.
 */
import { z } from 'zod';
import type { Store } from '../../activities/store/port';
import { planRebalance, type RebalancePlan } from '../../domain/world/rebalance';
import { ordersToSubmit } from '../../workflows/rebalance-orders';
import { MAX_REBALANCE_ORDERS } from '../../workflows/rebalance-messages';
import { ProblemError, conflict, notFound } from '../errors';
import { guardRebalanceOrders, requireOperator } from '../rebalance-guards';
import {
  accountSchema,
  bodyHash,
  planInput,
  planRequestSchema,
  planShape,
  runIdSchema,
  wireOrder,
  withWorldScales,
  type PlanRequest,
} from '../rebalancing-request';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldControl } from '../temporal-client';
import type { RebalancingControl, WorkflowOutcome } from '../temporal-rebalancing';

export interface RebalancingRouteDeps {
  store: Store;
  temporal: WorldControl;
  rebalancing: RebalancingControl;
  /** How long `submit=true` waits for the orders to settle before answering 202 (default 20 s). */
  submitWaitMs?: number;
}

const deltaSchema = z.object({ symbol: z.string(), venue: z.string(), delta_qty: z.string() });
const orderSchema = z
  .object({
    symbol: z.string(),
    venue: z.string(),
    quantity: z.string().meta({ description: 'Signed: negative sells' }),
    side: z.enum(['buy', 'sell']),
    reduce_only: z.boolean(),
    time_in_force: z.string(),
  })
  .meta({ id: 'RebalanceOrder' });
const planAnswerSchema = z
  .object({
    per_world: z.record(
      z.string(),
      z.object({
        scale_world: z.string(),
        scale_by_strategy: z.record(z.string(), z.string()),
        deltas: z.array(deltaSchema),
        strategy_deltas: z.array(z.object({ strategy_id: z.string(), delta_qty: z.string() }).loose()),
      }),
    ),
    global_deltas: z.array(deltaSchema),
  })
  .meta({ id: 'RebalancePlan' });
const outcomeSchema = z
  .object({
    rebalance_id: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    orders: z
      .array(z.object({ client_order_id: z.string(), status: z.string(), filled_qty: z.string() }).loose())
      .optional(),
    detail: z.string().optional(),
  })
  .meta({ id: 'RebalanceOutcome' });
const executeAnswerSchema = z
  .object({
    orders_per_world: z.record(z.string(), z.array(orderSchema)),
    orders_per_strategy: z
      .array(z.object({ world_id: z.string(), strategy_id: z.string(), order: orderSchema }))
      .optional(),
    submitted: z.boolean(),
    rebalance_id: z.string().optional(),
    outcome: outcomeSchema.optional(),
  })
  .meta({ id: 'RebalanceExecution' });

const executeBody = z
  .object({
    ...planShape,
    run_id: runIdSchema.optional().meta({ description: 'Default: derived from a hash of the body' }),
    account: accountSchema.default('default').meta({ description: 'Venue account the orders go to' }),
  })
  .meta({ id: 'RebalanceExecuteRequest' });
const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

/** The plan, or a 422 naming why it cannot be made (a zero allocation holding positions, a missing weight). */
function plan(body: PlanRequest): RebalancePlan {
  try {
    return withWorldScales(planRebalance(planInput(body)), body);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new ProblemError(422, 'E_REBALANCE_INVALID', 'Rebalance cannot be planned', err.message);
  }
}

export function outcomeBody(rebalanceId: string, outcome: WorkflowOutcome<unknown>) {
  if (outcome.status === 'running') return { rebalance_id: rebalanceId, status: 'running' as const };
  if (outcome.status === 'failed')
    return { rebalance_id: rebalanceId, status: 'failed' as const, detail: outcome.detail };
  const { orders } = outcome.result as { orders: unknown[] };
  return { rebalance_id: rebalanceId, status: 'completed' as const, orders };
}

export function rebalancingRoutes(deps: RebalancingRouteDeps): RouteSpec[] {
  const waitMs = deps.submitWaitMs ?? 20_000;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/rebalancing/plan',
      operationId: 'planRebalance',
      summary: 'Deltas of a weight change: per-world scales and netted deltas, lot-rounded toward zero',
      tags: ['allocation'],
      access: 'reader',
      body: planRequestSchema,
      responses: {
        200: { description: 'The plan', schema: planAnswerSchema },
        422: { description: 'Cannot be planned (E_REBALANCE_INVALID)' },
      },
      async handler({ body }) {
        const { per_world, global_deltas } = plan(body);
        return { status: 200, body: { per_world, global_deltas } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/rebalancing/execute',
      operationId: 'executeRebalance',
      summary: 'Orders of a weight change; submit=true (operator) sends them and waits for the outcome',
      tags: ['allocation'],
      access: 'reader',
      query: z.object({ per_strategy: flag, submit: flag }),
      body: executeBody,
      responses: {
        200: { description: 'The orders (and the outcome when submitted)', schema: executeAnswerSchema },
        202: { description: 'Submitted and still settling: poll GET /v1/rebalancing/{run_id}' },
        403: { description: 'submit needs operator; live venues need X-Allow-Live and allow_live' },
        409: { description: 'Kill switch engaged (E_KILL_SWITCH) or run_id used for another body' },
        422: { description: 'Cannot be planned (E_REBALANCE_INVALID)' },
      },
      async handler({ body, query, principal, req }) {
        const made = plan(body);
        const answer = {
          orders_per_world: Object.fromEntries(
            Object.entries(made.orders_per_world).map(([w, orders]) => [w, orders.map(wireOrder)]),
          ),
          ...(query.per_strategy && {
            orders_per_strategy: made.orders_per_strategy.map((o) => ({ ...o, order: wireOrder(o.order) })),
          }),
        };
        const orders = ordersToSubmit(made, { perStrategy: query.per_strategy, account: body.account });
        if (!query.submit || orders.length === 0)
          return { status: 200, body: { ...answer, submitted: false } };

        requireOperator(principal, 'submit=true');
        if (orders.length > MAX_REBALANCE_ORDERS)
          throw new ProblemError(
            422,
            'E_REBALANCE_INVALID',
            'Too many orders',
            `at most ${MAX_REBALANCE_ORDERS}`,
          );
        const hash = bodyHash({ body, per_strategy: query.per_strategy });
        const runId = body.run_id ?? `rb-${hash.slice(0, 32)}`;
        const worldIds = [...new Set(orders.map((o) => o.worldId))];
        await guardRebalanceOrders(deps, req, worldIds, orders);
        const started = await deps.rebalancing.startRebalance(
          { runId, orders, actor: principal?.keyId ?? 'anonymous' },
          { worldIds, bodyHash: hash },
        );
        if (!started.created && started.bodyHash !== hash)
          throw conflict(`run_id '${runId}' was used for another rebalance`, { run_id: runId });
        const outcome = (await deps.rebalancing.rebalance(runId, waitMs))!;
        const status = outcome.status === 'running' ? 202 : 200;
        return {
          status,
          ...(status === 202 && { headers: { Location: `/v1/rebalancing/${runId}` } }),
          body: { ...answer, submitted: true, rebalance_id: runId, outcome: outcomeBody(runId, outcome) },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/rebalancing/:run_id',
      operationId: 'getRebalance',
      summary: "A submitted rebalance's outcome: each order's status, filled quantity and average price",
      tags: ['allocation'],
      access: 'reader',
      params: z.object({ run_id: runIdSchema }),
      responses: { 200: { description: 'The outcome so far', schema: outcomeSchema } },
      async handler({ params }) {
        const outcome = await deps.rebalancing.rebalance(params.run_id, 0);
        if (!outcome) throw notFound('rebalance', params.run_id);
        return { status: 200, body: outcomeBody(params.run_id, outcome) };
      },
    }),
  ];
}
