/**
 * Reads of strategies and their DAG runs (SPEC §5): the strategy list (the
 * store's records, each with the status its workflow reports), a strategy's
 * runs, one run's metrics, trades and equity curve, and that curve as SVG.
 * Run records live in the store; a run still going adds its live progress.
 */
import { z } from 'zod';
import type { BacktestResultBody } from '../../activities/backtest';
import type { RunRecord, Store } from '../../activities/store/port';
import { STRATEGY_ID_PATTERN } from '../../domain/dag/strategy-id';
import { RUN_ID_PATTERN } from '../../domain/run/run-id';
import { worldIdSchema } from '../../domain/world/world';
import { downsample, equitySvg } from '../equity-chart';
import { ProblemError } from '../errors';
import { defineRoute, type RouteSpec } from '../route';
import { strategyWorkflowId } from '../temporal-client';
import type { RunControl } from '../temporal-runs';

const SVG_CONTENT_TYPE = 'image/svg+xml';

/** A non-negative integer in a query string, bounded. */
const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((v) => v ?? fallback);

const page = { limit: queryInt(1, 100, 20), offset: queryInt(0, 1_000_000, 0) };

const strategyParams = z.object({
  id: z.string().regex(STRATEGY_ID_PATTERN, 'must be a 64-hex strategy id'),
});
const runParams = z.object({
  runId: z
    .string()
    .regex(RUN_ID_PATTERN, 'must be run:{strategy_id}:{world_id}:{backtest|paper|live}:{n}')
    .meta({
      description: 'The run workflow id, URL-encoded',
      example: `run:${'a'.repeat(64)}:crypto-majors:backtest:1`,
    }),
});

const windowSchema = z
  .object({ start: z.number().int(), end: z.number().int(), interval_ms: z.number().int() })
  .nullable()
  .meta({ description: 'Inclusive bar opens (epoch ms) and the bar interval; null until planned' });

const runSummarySchema = z
  .object({
    run_id: z.string(),
    strategy_id: z.string(),
    world_id: z.string(),
    mode: z.string(),
    status: z.enum(['running', 'completed', 'failed', 'stopped']),
    window: windowSchema,
    metrics: z.record(z.string(), z.number()),
    nodes_total: z.number().int(),
    nodes_reused: z.number().int(),
    started_at: z.string(),
    updated_at: z.string(),
    error: z.string().optional(),
  })
  .meta({ id: 'RunSummary' });

const tradeSchema = z.object({
  ts: z.number().int(),
  side: z.enum(['buy', 'sell']),
  quantity: z.string(),
  price: z.string(),
  notional: z.string(),
  fee: z.string(),
  liquidity: z.enum(['maker', 'taker']).optional(),
  position_after: z.string(),
});

const runSchema = runSummarySchema
  .extend({
    nodes: z.array(z.object({ node_id: z.string(), fingerprint: z.string(), reused: z.boolean() })),
    progress: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Live progress while running' }),
    result: z
      .object({
        initial_cash: z.number(),
        fee_rate: z
          .number()
          .meta({ description: 'Realised: fees charged ÷ notional filled (0 without fills)' }),
        brokerage: z
          .record(z.string(), z.unknown())
          .optional()
          .meta({ description: 'The fee and fill models that priced the fills (ADR 005)' }),
        trades_total: z.number().int(),
        trades: z.array(tradeSchema),
        equity_points_total: z.number().int(),
        equity: z.array(z.object({ ts: z.number().int(), equity: z.number() })),
      })
      .optional()
      .meta({ description: 'The simulation: absent until simulated, and for runs with nothing to trade' }),
  })
  .meta({ id: 'Run' });

const strategySummarySchema = z
  .object({
    strategy_id: z.string(),
    workflow_id: z.string(),
    status: z.string().meta({ description: 'From the strategy workflow; "unknown" if it cannot be found' }),
    world_ids: z.array(z.string()),
    node_count: z.number().int(),
    owner: z.string(),
    meta: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .meta({ id: 'StrategySummary' });

export interface RunRouteDeps {
  store: Store;
  temporal: RunControl;
}

export function runRoutes({ store, temporal }: RunRouteDeps): RouteSpec[] {
  const runOr404 = async (runId: string): Promise<RunRecord> => {
    const record = await store.runs.get(runId);
    if (!record) throw new ProblemError(404, 'E_NOT_FOUND', 'Run not found', `no run '${runId}'`);
    return record;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/v1/strategies',
      operationId: 'listStrategies',
      summary: 'Strategies, newest first, with their lifecycle status; filter by world',
      tags: ['strategies'],
      access: 'reader',
      query: z.object({ ...page, world_id: worldIdSchema.optional() }),
      responses: {
        200: {
          description: 'A page of strategies',
          schema: z.object({
            strategies: z.array(strategySummarySchema),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
        },
      },
      async handler({ query }) {
        const records = await store.strategies.list({
          limit: query.limit,
          offset: query.offset,
          worldId: query.world_id,
        });
        const statuses = await temporal.strategyStatuses(records.map((r) => r.strategyId));
        const strategies = records.map((r) => ({
          strategy_id: r.strategyId,
          workflow_id: strategyWorkflowId(r.strategyId),
          status: statuses.get(r.strategyId) ?? 'unknown',
          world_ids: r.worldIds,
          node_count: r.nodeCount,
          owner: r.owner,
          meta: r.meta,
          created_at: r.createdAt,
        }));
        return { status: 200, body: { strategies, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/strategies/:id/runs',
      operationId: 'listStrategyRuns',
      summary: "A strategy's DAG runs, newest first",
      tags: ['strategies', 'runs'],
      access: 'reader',
      params: strategyParams,
      query: z.object(page),
      responses: {
        200: {
          description: 'A page of runs',
          schema: z.object({ strategy_id: z.string(), runs: z.array(runSummarySchema) }),
        },
      },
      async handler({ params, query }) {
        if (!(await store.strategies.get(params.id)))
          throw new ProblemError(404, 'E_NOT_FOUND', 'Strategy not found', `no strategy '${params.id}'`);
        const runs = await store.runs.listByStrategy(params.id, query);
        return { status: 200, body: { strategy_id: params.id, runs: runs.map(runSummary) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/runs/:runId',
      operationId: 'getRun',
      summary: "A run's status, nodes (computed or reused), metrics, trades and equity curve",
      tags: ['runs'],
      access: 'reader',
      params: runParams,
      query: z.object({ max_points: queryInt(2, 10_000, 1000), max_trades: queryInt(0, 10_000, 1000) }),
      responses: { 200: { description: 'The run', schema: runSchema } },
      async handler({ params, query }) {
        const record = await runOr404(params.runId);
        const body: Record<string, unknown> = {
          ...runSummary(record),
          nodes: record.nodes.map((n) => ({
            node_id: n.nodeId,
            fingerprint: n.fingerprint,
            reused: n.reused,
          })),
        };
        if (record.status === 'running') body.progress = await temporal.runProgress(record.runId);
        const result = await resultOf(store, record);
        if (result) {
          const curve = result.ts.map((ts, i) => ({ ts, equity: result.equity[i]! }));
          body.result = {
            initial_cash: result.initial_cash,
            fee_rate: result.fee_rate,
            brokerage: result.brokerage,
            trades_total: result.trades.length,
            trades: result.trades.slice(0, query.max_trades),
            equity_points_total: curve.length,
            equity: downsample(curve, query.max_points),
          };
        }
        return { status: 200, body };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/runs/:runId/equity.svg',
      operationId: 'getRunEquitySvg',
      summary: "A run's equity curve as an SVG line chart",
      tags: ['runs'],
      access: 'reader',
      params: runParams,
      responses: {
        200: { description: 'The chart', schema: z.string(), contentType: SVG_CONTENT_TYPE },
        404: { description: 'No such run, or it has no equity curve (not simulated yet, or nothing traded)' },
      },
      async handler({ params }) {
        const record = await runOr404(params.runId);
        const result = await resultOf(store, record);
        if (!result) {
          throw new ProblemError(
            404,
            'E_NOT_FOUND',
            'No equity curve',
            `run '${record.runId}' has not simulated`,
          );
        }
        const curve = result.ts.map((ts, i) => ({ ts, equity: result.equity[i]! }));
        const title = `${record.worldId} · ${record.mode} · ${record.strategyId.slice(0, 12)}…`;
        return {
          status: 200,
          contentType: SVG_CONTENT_TYPE,
          body: equitySvg(curve, { title, initialCash: result.initial_cash }),
        };
      },
    }),
  ];
}

function runSummary(record: RunRecord) {
  const { window } = record;
  return {
    run_id: record.runId,
    strategy_id: record.strategyId,
    world_id: record.worldId,
    mode: record.mode,
    status: record.status,
    window: window && { start: window.start, end: window.end, interval_ms: window.intervalMs },
    metrics: record.metrics,
    nodes_total: record.nodes.length,
    nodes_reused: record.nodes.filter((n) => n.reused).length,
    started_at: record.startedAt,
    updated_at: record.updatedAt,
    ...(record.error === undefined ? {} : { error: record.error }),
  };
}

async function resultOf(store: Store, record: RunRecord): Promise<BacktestResultBody | undefined> {
  if (record.resultFingerprint === undefined) return undefined;
  const artifact = await store.artifacts.get(record.resultFingerprint);
  return artifact && (JSON.parse(artifact.body) as BacktestResultBody);
}
