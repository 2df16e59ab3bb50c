/**
 * One bar of a paper or live DAG run (SPEC §4, §8): the kill switch, the
 * traded node's value for the newly closed bar (the DAG recomputed over a
 * trailing window, so the step keeps no state and a retry computes the same
 * thing), the world's order gate for this strategy, the account, and the
 * node-set pipeline. It answers with an order to start or the reason there
 * is none; the workflow starts the order (activities/paper-run-orders.ts).
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { parseOhlcvSource } from '../domain/data/bars';
import { riskLimitsSchema, runPipeline, type Activation } from '../domain/execution/pipeline';
import { currenciesOf } from '../domain/execution/sim-matching';
import { Dec } from '../domain/execution/symbol';
import { CRYPTO_HOURS } from '../domain/brokerage/hours';
import {
  BUILTIN_LIBRARY,
  computeNode,
  nodeDefinition,
  parseNodeParams,
  type NodeLibrary,
} from '../domain/nodes/library';
import {
  paperPortfolio,
  passiveLimitPrice,
  sideOfTarget,
  targetSignal,
  trailingBars,
  trailingWindow,
  type AccountHoldings,
  type PaperOrderStyle,
} from '../domain/run/paper';
import type { PlanStep, PlanTarget } from '../domain/run/plan';
import { orderGate } from '../domain/world/activation';
import { accountQuery, accountWorkflowId } from '../workflows/order-messages';
import { worldSnapshotQuery, worldWorkflowId } from '../workflows/world-messages';
import type { VenueLookup } from './backfill';
import { trailingCloses } from './paper-run-bars';
import { createPaperRunOrderActivities } from './paper-run-orders';
import { killScopeKey, type Store } from './store/port';
import type { OrderVenueLookup } from './venues/order-port';

/** What a step needs of the run's plan: ids and a few numbers, never data. */
export interface PaperPlan {
  intervalMs: number;
  inputs: Array<{ nodeId: string; seriesId: string }>;
  steps: PlanStep[];
  target: PlanTarget;
}

export interface PaperStepRequest {
  runId: string;
  strategyId: string;
  worldId: string;
  mode: 'paper' | 'live';
  venue: string;
  account: string;
  /** Close of the bar this step handles (epoch ms, workflow time). */
  barClose: number;
  plan: PaperPlan;
  order: PaperOrderStyle;
  /** The target the run last acted on: an unchanged target orders nothing (as in a backtest). */
  heldTarget?: number;
  /** Highest equity seen by the run so far, for a drawdown limit. */
  peakEquity?: string;
  /** Pipeline risk limits in wire form (decimal strings); none: no limit. */
  limits?: unknown;
}

export type PaperStepResult =
  | { kind: 'killed'; reason: string }
  | { kind: 'rejected'; reason: string; detail: string; target?: number; equity?: string }
  | {
      kind: 'submit';
      symbol: string;
      side: 'buy' | 'sell';
      qty: string;
      limitPrice?: string;
      target: number;
      equity: string;
    };

export interface PaperRunDeps {
  store: Store;
  venues: VenueLookup;
  orderVenues: OrderVenueLookup;
  /** Default: the worker's client from the activity context. */
  client?: Client;
  library?: NodeLibrary;
}

export function createPaperRunActivities(deps: PaperRunDeps) {
  const library = deps.library ?? BUILTIN_LIBRARY;
  const clientOf = () => deps.client ?? Context.current().client;

  /** Every node of the plan over the trailing window; the traded node's last value and the last close. */
  async function tradedValue(plan: PaperPlan, barClose: number): Promise<{ target: number; close: number }> {
    const nodes = new Map(
      await Promise.all(
        plan.steps.map(async (step) => {
          const node = await deps.store.nodes.get(step.nodeId);
          if (!node)
            throw ApplicationFailure.nonRetryable(`node ${step.nodeId} is not registered`, 'NotFound');
          return [step.nodeId, node] as const;
        }),
      ),
    );
    const warmups = plan.steps
      .filter((s) => !s.input)
      .map((s) => {
        const node = nodes.get(s.nodeId)!;
        const params = parseNodeParams(node.nodeType, JSON.parse(node.paramsJson), library);
        return nodeDefinition(node.nodeType, library).warmup(params);
      });
    const window = trailingWindow(barClose, plan.intervalMs, trailingBars(warmups));
    const outputs = new Map<string, ArrayLike<number | null>>();
    for (const step of plan.steps) {
      if (step.input) {
        const seriesId = plan.inputs.find((i) => i.nodeId === step.nodeId)!.seriesId;
        outputs.set(step.nodeId, await trailingCloses(deps, seriesId, window));
        continue;
      }
      const node = nodes.get(step.nodeId)!;
      const inputs = step.dependencies.map((d) => Array.from(outputs.get(d)!, (v) => v ?? NaN));
      outputs.set(step.nodeId, computeNode(node.nodeType, inputs, JSON.parse(node.paramsJson), library));
    }
    const last = (id: string) => {
      const values = outputs.get(id)!;
      return values[values.length - 1] ?? NaN;
    };
    return { target: last(plan.target.nodeId), close: last(plan.target.priceNodeId) };
  }

  async function killedBy(request: PaperStepRequest): Promise<string | undefined> {
    const scopes = [
      killScopeKey({ kind: 'world', worldId: request.worldId }),
      killScopeKey({ kind: 'venue', venue: request.venue, account: request.account }),
    ];
    for (const key of scopes) {
      const record = await deps.store.killSwitches.get(key);
      if (record?.engaged) return `kill switch ${key}: ${record.reason}`;
    }
    return undefined;
  }

  /** The order gate for (strategy, side) in the run's mode; default-safe: an unreachable world is closed. */
  async function gateOf(request: PaperStepRequest, target: number) {
    try {
      const snapshot = await clientOf()
        .workflow.getHandle(worldWorkflowId(request.worldId))
        .query(worldSnapshotQuery);
      if (snapshot.deleted) return { open: false, weight: 0, reason: 'WORLD_DELETED' };
      if (snapshot.world.state !== 'ACTIVE') return { open: false, weight: 0, reason: 'WORLD_SUSPENDED' };
      return orderGate(
        snapshot.activation,
        { strategy_id: request.strategyId, side: sideOfTarget(target), mode: request.mode },
        snapshot.world,
        request.barClose,
      );
    } catch (err) {
      if (err instanceof CancelledFailure) throw err;
      if (err instanceof WorkflowNotFoundError) return { open: false, weight: 0, reason: 'WORLD_NOT_FOUND' };
      throw err;
    }
  }

  /** Cash and positions from the account workflow; before its first order, from the venue's balances. */
  async function holdingsOf(request: PaperStepRequest, symbol: string): Promise<AccountHoldings> {
    try {
      const view = await clientOf()
        .workflow.getHandle(accountWorkflowId(request.venue, request.account))
        .query(accountQuery);
      const cash = view.cash.unsettled.reduce((sum, u) => sum.plus(u.amount), new Dec(view.cash.settled));
      return { cash: cash.toFixed(), positions: view.positions };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const currencies = currenciesOf(symbol);
    const balances = await deps.orderVenues.orderVenue(request.venue, request.account).fetchBalances();
    const total = (currency: string | undefined) =>
      balances.find((b) => b.currency === currency)?.total ?? '0';
    return { cash: total(currencies?.quote), positions: { [symbol]: total(currencies?.base) } };
  }

  return {
    ...createPaperRunOrderActivities(deps),

    async paperStep(request: PaperStepRequest): Promise<PaperStepResult> {
      const killed = await killedBy(request);
      if (killed) return { kind: 'killed', reason: killed };
      const priceSeries = request.plan.inputs.find((i) => i.nodeId === request.plan.target.priceNodeId);
      const symbol = parseOhlcvSource(priceSeries?.seriesId ?? '')?.symbol;
      if (!symbol)
        throw ApplicationFailure.nonRetryable('the traded node has no priced input', 'InvalidInput');
      const { target, close } = await tradedValue(request.plan, request.barClose);
      const signal = targetSignal(symbol, target);
      if (!signal) return { kind: 'rejected', reason: 'NO_SIGNAL', detail: 'the traded node has no value' };
      if (target === request.heldTarget) {
        return { kind: 'rejected', reason: 'TARGET_UNCHANGED', detail: `target still ${target}`, target };
      }
      const gate = await gateOf(request, target);
      if (!gate.open) return { kind: 'rejected', reason: gate.reason, detail: 'order gate closed', target };
      const price = new Dec(close).toFixed();
      const portfolio = paperPortfolio(await holdingsOf(request, symbol), symbol, price, request.peakEquity);
      const activation: Activation = {
        active: true,
        frozen: false,
        draining: false,
        weight: new Dec(gate.weight).toFixed(),
      };
      const venue = deps.orderVenues.orderVenue(request.venue, request.account);
      const properties = await venue.symbolProperties(symbol);
      const parsedLimits = riskLimitsSchema.safeParse(request.limits ?? {});
      if (!parsedLimits.success) throw ApplicationFailure.nonRetryable('invalid risk limits', 'InvalidInput');
      const outcome = runPipeline({
        signal,
        activation,
        killSwitchEngaged: false,
        portfolio,
        symbol: properties,
        limits: parsedLimits.data,
        hours: CRYPTO_HOURS,
        ts: request.barClose,
      });
      const equity = portfolio.equity;
      if (outcome.kind === 'rejected') {
        return { kind: 'rejected', reason: outcome.reason, detail: outcome.detail, target, equity };
      }
      const { side, qty } = outcome.intent;
      const limitPrice =
        request.order.type === 'limit'
          ? passiveLimitPrice(price, side, request.order.offset_bps, properties.tickSize.toFixed())
          : undefined;
      return { kind: 'submit', symbol, side, qty, ...(limitPrice ? { limitPrice } : {}), target, equity };
    },
  };
}

export type PaperRunActivities = ReturnType<typeof createPaperRunActivities>;
