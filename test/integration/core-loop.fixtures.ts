/**
 * What the core-loop tests share (core-loop.test.ts, core-loop-kill.test.ts):
 * the example SMA crossover on one-second sim bars (so the paper run's bar
 * clock ticks every second instead of every minute), a policy it passes on
 * an hour of those bars, the submit body, an SSE reader, and the final state
 * a run is compared by (read through the API, plus Temporal visibility to
 * find the run's orders once it has stopped).
 */
import type { Client } from '@temporalio/client';
import Decimal from 'decimal.js';
import { DEFAULTS, smaCrossover } from '../../examples/sma-crossover';
import { clientOrderId } from '../../domain/execution/order';
import { eventually } from '../support/eventually';
import { readEventStream, type SseEvent } from '../support/sse';
import type { ApiAnswer } from '../support/stack';

export const SOURCE = 'ohlcv:sim:BTC/USDT:1s';
/**
 * The example on 1 s bars, same SMA 10/50 level crossover, at half size: at size 1 the
 * paper run sizes a buy at all of the cash and sim refuses it (fees do not fit).
 */
export const built = smaCrossover({ ...DEFAULTS, source: SOURCE, size: 0.5 }).build();
export const STRATEGY_ID = built.strategyId;

/** The strategy a loop runs: its id, the DAG text as built, the input whose coverage is read. */
export interface LoopStrategy {
  id: string;
  dagText: string;
  inputNodeId: string;
}
export const loopStrategyOf = (b: {
  strategyId: string;
  dagText: string;
  nodeIds: string[];
}): LoopStrategy => ({
  id: b.strategyId,
  dagText: b.dagText,
  inputNodeId: b.nodeIds[0]!,
});
/** The core loop's strategy: the SMA crossover above. */
export const SMA = loopStrategyOf(built);

/** One hour of 1 s bars: 3600 bars, four sim pages of 1000. */
export const WINDOW = { start: '2026-01-10T12:00:00Z', end: '2026-01-10T13:00:00Z' };
export const WINDOW_MS = { start: Date.parse(WINDOW.start), end: Date.parse(WINDOW.end) - 1_000 };

/** An hour is 1/8766 ≈ 0.000114 years: 0.0001 passes; the crossover trades many times in it. */
export const POLICY = {
  validation_profiles: { backtest: { sample: { min_effective_years: 0.0001, min_trades_total: 1 } } },
};

export type Api = (method: string, route: string, body?: unknown) => Promise<ApiAnswer>;

/** A fresh world with the policy as its default. */
export async function freshWorld(api: Api, id: string): Promise<void> {
  const created = await api('POST', '/v1/worlds', { id });
  if (created.status !== 201)
    throw new Error(`world ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  const policy = await api('POST', `/v1/worlds/${id}/policies`, { policy: POLICY });
  if (policy.status !== 201) throw new Error(`policy ${id}: ${policy.status} ${JSON.stringify(policy.body)}`);
}

/** POST /v1/strategies with the DAG text as built (its float() params stay floats); `paper`: meta.paper. */
export const submitBody = (worldId: string, paper?: Record<string, unknown>, s = SMA): string =>
  `{"dag":${s.dagText},"world_ids":${JSON.stringify([worldId])},"meta":${JSON.stringify({
    backtest: WINDOW,
    fee_rate: 0.001,
    ...(paper !== undefined && { paper }),
  })}}`;

export const backtestRunId = (worldId: string, s = SMA) => `run:${s.id}:${worldId}:backtest:1`;
export const paperRunId = (worldId: string, s = SMA) => `run:${s.id}:${worldId}:paper:1`;

export type { SseEvent } from '../support/sse';

/** Reads SSE frames from GET /v1/events/stream until `enough` holds or `timeoutMs` passes, then disconnects. */
export const readStream = (
  url: string,
  key: string,
  query: string,
  enough: (events: SseEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<SseEvent[]> => readEventStream({ url, key, query, enough, timeoutMs });

/** The activation table without its timestamps: what must come out the same however the run went. */
export const activationRows = (body: { entries: Array<Record<string, unknown>> }) =>
  body.entries.map((e) => [e.strategy_id, e.side, e.active, e.weight, e.effective_mode, e.gate_open]);

const TERMINAL = ['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'];

/** Waits until one of the paper run's orders is FILLED (a sim market order fills when its minute closes). */
export async function untilFilled(api: Api, worldId: string, ms = 180_000, s = SMA): Promise<string> {
  const run = `/v1/runs/${encodeURIComponent(paperRunId(worldId, s))}`;
  const deadline = Date.now() + ms;
  let seen: unknown[] = [];
  while (Date.now() < deadline) {
    const progress = (await api('GET', run)).body?.progress;
    seen = [progress?.last_reason];
    for (const id of progress?.open_orders ?? []) {
      const order = (await api('GET', `/v1/orders/${id}`)).body;
      if (order?.status === 'FILLED') return id;
      seen.push([order?.side, order?.qty, order?.status, order?.reject_reason?.detail]);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no order filled in ${ms} ms: ${JSON.stringify(seen)}`);
}

/** Stops the strategy (its paper run cancels what still works) and waits until the run says stopped. */
export async function stopStrategy(api: Api, worldId: string, s = SMA): Promise<void> {
  const stopped = await api('POST', `/v1/strategies/${s.id}/stop`, { reason: 'test over' });
  if (stopped.status !== 202) throw new Error(`stop: ${stopped.status} ${JSON.stringify(stopped.body)}`);
  await eventually(
    () => api('GET', `/v1/runs/${encodeURIComponent(paperRunId(worldId, s))}`),
    (r) => r.body?.status === 'stopped',
    60_000,
  );
}

export interface PaperOrder {
  order_id: string;
  intent_id: string;
  side: 'buy' | 'sell';
  state: string;
  filled_qty: string;
  trade_ids: string[];
}

/** Everything the loop left behind in a world, once its strategy has stopped. */
export interface LoopOutcome {
  coverage: unknown;
  backtest: unknown;
  evaluations: unknown[];
  applyPhases: string[];
  activation: unknown[][];
  risk: unknown;
  paper: { status: string; orders_started: number };
  orders: PaperOrder[];
  /** BTC/USDT held by the sim account ('0' when none). */
  position: string;
}

export async function loopOutcome(api: Api, client: Client, worldId: string, s = SMA): Promise<LoopOutcome> {
  const coverage = await api('GET', `/v1/data/coverage?node_id=${s.inputNodeId}`);
  const backtest = await api('GET', `/v1/runs/${encodeURIComponent(backtestRunId(worldId, s))}`);
  const audit = await api('GET', `/v1/worlds/${worldId}/audit`);
  const activation = await api('GET', `/v1/worlds/${worldId}/activation`);
  const applyRun: string = activation.body.entries[0]?.run_id ?? 'none';
  const applied = await api('GET', `/v1/worlds/${worldId}/apply/${applyRun}`);
  const risk = await api('GET', `/v1/risk-hub/worlds/${worldId}/snapshots/latest`);
  const paper = await api('GET', `/v1/runs/${encodeURIComponent(paperRunId(worldId, s))}`);
  const ordersStarted: number = paper.body.metrics.orders_started;
  const orderIds = await eventually(
    () => listOrderIds(client, worldId),
    (ids) => ids.length >= ordersStarted,
  );
  const orders: PaperOrder[] = [];
  for (const id of orderIds) {
    const { body } = await api('GET', `/v1/orders/${id}`);
    orders.push({
      order_id: body.order_id,
      intent_id: body.intent_id,
      side: body.side,
      state: body.status,
      filled_qty: body.filled_qty,
      trade_ids: body.fills.map((f: { trade_id: string }) => f.trade_id),
    });
  }
  // The account books a fill when its order forwards it: wait for it to catch up with the orders.
  const account = await eventually(
    () => api('GET', '/v1/accounts/sim/default'),
    (a) => new Decimal(a.body.positions?.['BTC/USDT'] ?? '0').eq(netFills(orders)),
    20_000,
  );
  return {
    // The paper run stores its trailing bars too (wall-clock ranges); the backtest's hour is what is compared.
    coverage: {
      series: coverage.body.series,
      ranges: coverage.body.ranges.filter((r: { start: number }) => r.start <= WINDOW_MS.end),
    },
    backtest: {
      status: backtest.body.status,
      window: backtest.body.window,
      metrics: backtest.body.metrics,
      trades_total: backtest.body.result?.trades_total,
    },
    evaluations: audit.body.records
      .filter((r: { action: string }) => r.action === 'evaluation.recorded')
      .map((r: { detail: { evaluation_run_id: string; active: string[] } }) => [
        r.detail.evaluation_run_id,
        r.detail.active,
      ]),
    applyPhases: applied.body.phases.map((p: { phase: string }) => p.phase),
    activation: activationRows(activation.body),
    risk: {
      version: risk.body.version,
      stage: risk.body.stage,
      snapshot: risk.body.snapshot && {
        weights: risk.body.snapshot.weights,
        covariance: risk.body.snapshot.covariance,
      },
    },
    paper: { status: paper.body.status, orders_started: ordersStarted },
    orders: orders.sort((a, b) => a.intent_id.localeCompare(b.intent_id)),
    position: account.body.positions?.['BTC/USDT'] ?? '0',
  };
}

/** The run's order workflows, by the world the order attributes name. */
async function listOrderIds(client: Client, worldId: string): Promise<string[]> {
  const ids: string[] = [];
  const query = `WorkflowType='orderWorkflow' AND QmtlWorldId='${worldId}'`;
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId.replace(/^order:/, ''));
  return ids.sort();
}

/** Bought less sold, over the orders' fills. */
const netFills = (orders: readonly PaperOrder[]): Decimal =>
  orders.reduce(
    (sum, o) => (o.side === 'buy' ? sum.plus(o.filled_qty) : sum.minus(o.filled_qty)),
    new Decimal(0),
  );

/** What holds however the paper run's time went: one order per intent, all settled, the position their fills. */
export function paperInvariants(outcome: LoopOutcome, worldId: string, s = SMA) {
  const { orders } = outcome;
  const net = netFills(orders);
  const trades = orders.flatMap((o) => o.trade_ids);
  return {
    orders: orders.length,
    distinctIntents: new Set(orders.map((o) => o.intent_id)).size,
    idsFromIntents: orders.every((o) => o.order_id === clientOrderId(worldId, s.id, o.intent_id, 0)),
    intentsOfRun: orders.every((o) => o.intent_id.startsWith(`${paperRunId(worldId, s)}:`)),
    allSettled: orders.every((o) => TERMINAL.includes(o.state)),
    someFilled: orders.some((o) => o.state === 'FILLED'),
    distinctTrades: new Set(trades).size === trades.length,
    /** The account's position and the net of the orders' fills, which must be equal. */
    position: new Decimal(outcome.position).toFixed(),
    netFills: net.toFixed(),
  };
}
