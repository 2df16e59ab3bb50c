/**
 * Proportional rebalancing (SPEC §9), pure. Shape follows QMTL's plan:
 * `per_world{w: {scale_world, scale_by_strategy, deltas}}` + `global_deltas`,
 * and execute's `orders_per_world` / `orders_per_strategy`.
 *
 * Order of work is the point (SPEC §12 "netting before attribution"):
 * 1. per-strategy target deltas, each lot-rounded toward zero;
 * 2. only then netted per (venue, symbol), each net order carrying the
 *    strategy deltas it is the sum of. Because every part is on-lot, their
 *    sum is on-lot and the attribution sums exactly to the order.
 */
import type Decimal from 'decimal.js';
import { Dec, roundQtyToLot, type OrderSide } from '../execution/symbol';

/** Decimal strings everywhere: floats would already carry error (SPEC §12). */
export interface RebalancePosition {
  readonly world_id: string;
  readonly strategy_id: string;
  readonly symbol: string;
  readonly venue?: string;
  readonly qty: string;
  readonly mark: string;
}

export interface RebalanceInput {
  /** World fractions of total equity. */
  readonly world_alloc_before: Readonly<Record<string, string>>;
  readonly world_alloc_after: Readonly<Record<string, string>>;
  /**
   * Strategy fractions *within* its world, per world. Omitted for a world →
   * the world scale cascades to every strategy (QMTL's default).
   */
  readonly strategy_weight_before?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly strategy_weight_after?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly positions: readonly RebalancePosition[];
  readonly lot_size_by_symbol?: Readonly<Record<string, string>>;
  /** Net orders whose |qty × mark| is below this are dust and not sent. */
  readonly min_trade_notional?: string;
  readonly time_in_force?: string;
}

export interface StrategyDelta {
  readonly world_id: string;
  readonly strategy_id: string;
  readonly symbol: string;
  readonly venue: string;
  readonly qty_before: string;
  readonly qty_after: string;
  readonly delta_qty: string;
}

export interface SymbolDelta {
  readonly symbol: string;
  readonly venue: string;
  readonly delta_qty: string;
}

export interface RebalanceOrder {
  readonly symbol: string;
  readonly venue: string;
  /** Signed: negative sells. */
  readonly quantity: string;
  readonly side: OrderSide;
  readonly reduce_only: boolean;
  readonly time_in_force: string;
  /** Which strategy owns which part; sums exactly to `quantity`. */
  readonly attribution: readonly { world_id: string; strategy_id: string; delta_qty: string }[];
}

export interface WorldPlan {
  readonly scale_world: string;
  readonly scale_by_strategy: Record<string, string>;
  readonly deltas: SymbolDelta[];
  readonly strategy_deltas: StrategyDelta[];
}

export interface RebalancePlan {
  readonly per_world: Record<string, WorldPlan>;
  readonly global_deltas: SymbolDelta[];
  /** Per-world netting: each world trades its own account (QMTL default). */
  readonly orders_per_world: Record<string, RebalanceOrder[]>;
  /** One order per strategy delta, reduce-only judged on that strategy's own position. */
  readonly orders_per_strategy: { world_id: string; strategy_id: string; order: RebalanceOrder }[];
  /** Shared-account netting across worlds. */
  readonly orders_global: RebalanceOrder[];
  /** Net orders dropped under `min_trade_notional`, kept for audit. */
  readonly suppressed: RebalanceOrder[];
}

function decimalOf(text: string, what: string): Decimal {
  if (!/^-?\d+(\.\d+)?$/.test(text))
    throw new RangeError(`${what}: expected a decimal string, got "${text}"`);
  return new Dec(text);
}

function fraction(map: Readonly<Record<string, string>> | undefined, key: string, what: string): Decimal {
  const text = map?.[key];
  if (text === undefined) throw new RangeError(`${what}: missing entry for "${key}"`);
  const value = decimalOf(text, `${what}[${key}]`);
  if (value.lt(0) || value.gt(1)) throw new RangeError(`${what}[${key}] must be in [0, 1]`);
  return value;
}

/**
 * Reduce-only iff the order moves the position toward zero without crossing
 * it: a sell on a short grows it and is *not* reduce-only (SPEC §12).
 */
export function isReduceOnly(position: Decimal.Value, quantity: Decimal.Value): boolean {
  const pos = new Dec(position);
  const qty = new Dec(quantity);
  if (pos.isZero() || qty.isZero()) return false;
  return pos.isNegative() !== qty.isNegative() && qty.abs().lte(pos.abs());
}

const keyOf = (venue: string, symbol: string) => JSON.stringify([venue, symbol]);

interface Part {
  readonly delta: StrategyDelta;
  readonly before: Decimal;
  readonly mark: Decimal;
}

/** Net parts per (venue, symbol); reduce-only judged on the netted position of the same scope. */
function netOrders(parts: readonly Part[], tif: string): RebalanceOrder[] {
  const groups = new Map<string, Part[]>();
  for (const part of parts) {
    const key = keyOf(part.delta.venue, part.delta.symbol);
    groups.set(key, [...(groups.get(key) ?? []), part]);
  }
  const orders: RebalanceOrder[] = [];
  for (const group of groups.values()) {
    const net = group.reduce((sum, p) => sum.plus(p.delta.delta_qty), new Dec(0));
    // A zero net is an internal cross: the strategies' books move, the venue sees nothing.
    if (net.isZero()) continue;
    const position = group.reduce((sum, p) => sum.plus(p.before), new Dec(0));
    const first = group[0]!.delta;
    orders.push({
      symbol: first.symbol,
      venue: first.venue,
      quantity: net.toString(),
      side: net.isNegative() ? 'sell' : 'buy',
      reduce_only: isReduceOnly(position, net),
      time_in_force: tif,
      attribution: group
        .filter((p) => !new Dec(p.delta.delta_qty).isZero())
        .map((p) => ({
          world_id: p.delta.world_id,
          strategy_id: p.delta.strategy_id,
          delta_qty: p.delta.delta_qty,
        })),
    });
  }
  return orders;
}

function symbolDeltas(orders: readonly RebalanceOrder[]): SymbolDelta[] {
  return orders.map((o) => ({ symbol: o.symbol, venue: o.venue, delta_qty: o.quantity }));
}

/** Scale factor after/before; a zero "before" can only scale a book that is already flat. */
function scale(after: Decimal, before: Decimal, what: string): Decimal | undefined {
  if (before.isZero()) {
    if (after.isZero()) return undefined;
    throw new RangeError(`${what}: cannot scale from a zero allocation to ${after.toString()}`);
  }
  return after.div(before);
}

export function planRebalance(input: RebalanceInput): RebalancePlan {
  const tif = input.time_in_force ?? 'GTC';
  const minNotional = decimalOf(input.min_trade_notional ?? '0', 'min_trade_notional');
  const partsByWorld = new Map<string, Part[]>();
  const per_world: Record<string, WorldPlan> = {};

  for (const pos of input.positions) {
    const venue = pos.venue ?? '';
    const w = pos.world_id;
    const wb = fraction(input.world_alloc_before, w, 'world_alloc_before');
    const wa = fraction(input.world_alloc_after, w, 'world_alloc_after');
    const sb = input.strategy_weight_before?.[w];
    const sa = input.strategy_weight_after?.[w];
    // Total-equity basis: after_total / before_total = (wa·sa)/(wb·sb); cascade wa/wb without strategy weights.
    const before = sb || sa ? wb.mul(fraction(sb, pos.strategy_id, `strategy_weight_before[${w}]`)) : wb;
    const after = sb || sa ? wa.mul(fraction(sa, pos.strategy_id, `strategy_weight_after[${w}]`)) : wa;
    const qty = decimalOf(pos.qty, 'position qty');
    const mark = decimalOf(pos.mark, 'position mark');
    if (before.isZero() && !qty.isZero()) {
      throw new RangeError(`position ${w}/${pos.strategy_id}/${pos.symbol} held under a zero allocation`);
    }
    // Multiply before dividing so 0.6 × 0.2 / 0.3 is exactly 0.4, not 0.6 × 0.666…
    const target = before.isZero() ? qty : qty.mul(after).div(before);
    const lot = input.lot_size_by_symbol?.[pos.symbol];
    const raw = target.minus(qty);
    const delta = lot === undefined ? raw : roundQtyToLot(raw, lot);

    const plan = (per_world[w] ??= {
      scale_world: (scale(wa, wb, `world ${w}`) ?? new Dec(1)).toString(),
      scale_by_strategy: {},
      deltas: [],
      strategy_deltas: [],
    });
    plan.scale_by_strategy[pos.strategy_id] = (
      scale(after, before, `${w}/${pos.strategy_id}`) ?? new Dec(1)
    ).toString();
    const strategyDelta: StrategyDelta = {
      world_id: w,
      strategy_id: pos.strategy_id,
      symbol: pos.symbol,
      venue,
      qty_before: qty.toString(),
      qty_after: qty.plus(delta).toString(),
      delta_qty: delta.toString(),
    };
    plan.strategy_deltas.push(strategyDelta);
    partsByWorld.set(w, [...(partsByWorld.get(w) ?? []), { delta: strategyDelta, before: qty, mark }]);
  }

  const allParts = [...partsByWorld.values()].flat();
  const markOf = new Map<string, Decimal>();
  for (const part of allParts) {
    const key = keyOf(part.delta.venue, part.delta.symbol);
    const seen = markOf.get(key);
    // Disagreeing marks mean the snapshot is inconsistent; dust checks would be arbitrary.
    if (seen && !seen.eq(part.mark)) throw new RangeError(`inconsistent marks for ${part.delta.symbol}`);
    markOf.set(key, part.mark);
  }
  const suppressed: RebalanceOrder[] = [];
  const keepTradable = (orders: RebalanceOrder[]) =>
    orders.filter((o) => {
      const notional = new Dec(o.quantity).abs().mul(markOf.get(keyOf(o.venue, o.symbol))!);
      if (notional.gte(minNotional)) return true;
      suppressed.push(o);
      return false;
    });

  const orders_per_world: Record<string, RebalanceOrder[]> = {};
  for (const [w, parts] of partsByWorld) {
    const orders = netOrders(parts, tif);
    per_world[w]!.deltas.push(...symbolDeltas(orders));
    orders_per_world[w] = keepTradable(orders);
  }
  const globalOrders = netOrders(allParts, tif);
  const orders_per_strategy = allParts.flatMap((part) =>
    netOrders([part], tif).map((order) => ({
      world_id: part.delta.world_id,
      strategy_id: part.delta.strategy_id,
      order,
    })),
  );
  return {
    per_world,
    global_deltas: symbolDeltas(globalOrders),
    orders_per_world,
    orders_per_strategy,
    // Global orders are an alternative view of the same trades: dust-filter without double-reporting.
    orders_global: globalOrders.filter((o) =>
      new Dec(o.quantity)
        .abs()
        .mul(markOf.get(keyOf(o.venue, o.symbol))!)
        .gte(minNotional),
    ),
    suppressed,
  };
}
