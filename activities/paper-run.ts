/**
 * One bar of a paper or live DAG run (SPEC §4, §8): the kill switch, the
 * traded node's value for the newly closed bar (the DAG recomputed over a
 * trailing window, so the step keeps no state and a retry computes the same
 * thing), the account (its equity and position recorded once per bar, for
 * the risk hub), the world's order gate for this strategy, and the node-set
 * pipeline, which never sells a spot symbol short. It answers with an order
 * to start or the reason there is none; the workflow starts the order
 * (activities/paper-run-orders.ts).
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { parseOhlcvSource } from '../domain/data/bars';
import {
  canShort,
  riskLimitsSchema,
  runPipeline,
  type Activation,
  type Portfolio,
} from '../domain/execution/pipeline';
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

/**
 * `positionChanged`: the traded position differs from the run's previous
 * recorded bar, so a fill was booked since (the run then republishes its
 * world's risk snapshot). Absent on results recorded before it existed.
 */
export type PaperStepResult =
  | { kind: 'killed'; reason: string }
  | {
      kind: 'rejected';
      reason: string;
      detail: string;
      target?: number;
      equity?: string;
      positionChanged?: boolean;
    }
  | {
      kind: 'submit';
      symbol: string;
      side: 'buy' | 'sell';
      qty: string;
      limitPrice?: string;
      target: number;
      equity: string;
      positionChanged?: boolean;
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

  /**
   * The bar's equity and position, written once per (run, bar): a retry
   * answers from the first write. Changed = differs from the run's previous
   * recorded bar (none before the first bar: unchanged).
   */
  async function recordEquity(request: PaperStepRequest, portfolio: Portfolio, symbol: string) {
    const { record } = await deps.store.paperEquity.putIfAbsent({
      runId: request.runId,
      strategyId: request.strategyId,
      worldId: request.worldId,
      barClose: request.barClose,
      equity: portfolio.equity,
      position: portfolio.positions[symbol] ?? '0',
      recordedAt: new Date().toISOString(),
    });
    const previous = await deps.store.paperEquity.before(request.runId, request.barClose);
    return previous !== undefined && !new Dec(previous.position).eq(record.position);
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
      // Every bar, whatever it decides: the equity curve the risk hub reads has no holes.
      const price = new Dec(close).toFixed();
      const portfolio = paperPortfolio(await holdingsOf(request, symbol), symbol, price, request.peakEquity);
      const { equity } = portfolio;
      const positionChanged = await recordEquity(request, portfolio, symbol);
      const rejected = (reason: string, detail: string, held?: number): PaperStepResult => ({
        kind: 'rejected',
        reason,
        detail,
        ...(held !== undefined ? { target: held } : {}),
        equity,
        positionChanged,
      });
      const signal = targetSignal(symbol, target);
      if (!signal) return rejected('NO_SIGNAL', 'the traded node has no value');
      if (target === request.heldTarget)
        return rejected('TARGET_UNCHANGED', `target still ${target}`, target);
      const shortable = canShort(symbol);
      // On spot a negative target means flat: it closes a long, so the long side's gate decides.
      const gate = await gateOf(request, shortable ? target : Math.max(target, 0));
      if (!gate.open) return rejected(gate.reason, 'order gate closed', target);
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
        shortable,
        limits: parsedLimits.data,
        hours: CRYPTO_HOURS,
        ts: request.barClose,
      });
      if (outcome.kind === 'rejected') return rejected(outcome.reason, outcome.detail, target);
      const { side, qty } = outcome.intent;
      const limitPrice =
        request.order.type === 'limit'
          ? passiveLimitPrice(price, side, request.order.offset_bps, properties.tickSize.toFixed())
          : undefined;
      const submit = { kind: 'submit', symbol, side, qty, target, equity, positionChanged } as const;
      return { ...submit, ...(limitPrice ? { limitPrice } : {}) };
    },
  };
}

export type PaperRunActivities = ReturnType<typeof createPaperRunActivities>;
