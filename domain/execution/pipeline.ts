/**
 * Node-set pipeline (SPEC §8): a strategy's signal becomes at most one order
 * intent through gate → size → risk → timing. Each stage is a small pure
 * function that passes a draft on or stops with a typed reason; nothing runs
 * after a stop, so nothing reaches a venue after a rejection. No I/O: the
 * activation, portfolio, limits, venue hours and the instant are arguments.
 */
import Decimal from 'decimal.js';
import { z } from 'zod';
import { isOpen, type VenueHours } from '../brokerage/hours';
import { checkOrderAgainstSymbol, Dec, roundQtyToLot, type OrderSide, type SymbolProperties } from './symbol';

/** Every stop, by the stage that makes it: a reason names its stage, so the two never disagree. */
export const PIPELINE_REJECTIONS = {
  gate: [
    'GATE_KILL_SWITCH',
    'GATE_NO_ACTIVATION',
    'GATE_INACTIVE',
    'GATE_FROZEN',
    'GATE_DRAINING',
    'GATE_INVALID_WEIGHT',
    'GATE_ZERO_WEIGHT',
  ],
  size: [
    'SIZE_NO_PRICE',
    'NO_CHANGE',
    'SHORT_NOT_ALLOWED',
    'SIZE_BELOW_LOT',
    'SIZE_BELOW_MIN_QTY',
    'SIZE_BELOW_MIN_NOTIONAL',
  ],
  risk: ['RISK_DRAWDOWN', 'RISK_MAX_POSITION', 'RISK_MAX_PORTFOLIO_PCT', 'RISK_LEVERAGE'],
  timing: ['TIMING_VENUE_CLOSED'],
} as const;
export type PipelineStage = keyof typeof PIPELINE_REJECTIONS;
export type PipelineRejectionReason = (typeof PIPELINE_REJECTIONS)[PipelineStage][number];

/**
 * As QMTL's sizing (zipline's order_value / order_percent / order_target_percent):
 * `value` and `percent` ORDER that much (signed notional, or signed fraction of
 * equity); `target_percent` HOLDS that fraction of equity. The weight scales the
 * amount ordered or the target held, never the rebalancing delta.
 */
export type Signal = { symbol: string } & (
  | { kind: 'value'; value: string }
  | { kind: 'percent'; percent: string }
  | { kind: 'target_percent'; percent: string }
);

/** The world's activation of this strategy; `weight` is a decimal string in [0, 1]. */
export interface Activation {
  active: boolean;
  frozen: boolean;
  draining: boolean;
  weight: string;
}

/** Decimal strings; positions are signed quantities, prices per unit. */
export interface Portfolio {
  equity: string;
  /** Highest equity so far, for the drawdown limit. */
  peakEquity: string;
  positions: Readonly<Record<string, string>>;
  prices: Readonly<Record<string, string>>;
}

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
const nonNegative = z
  .string()
  .regex(DECIMAL_TEXT, 'expected a decimal string')
  .transform((text) => new Dec(text))
  .refine((d) => d.gte(0), 'must be >= 0');
/** What a breached limit does is configured, never defaulted (SPEC §8). */
const clipOrReject = z.strictObject({ limit: nonNegative, mode: z.enum(['clip', 'reject']) });

export const riskLimitsSchema = z.strictObject({
  maxPositionQty: clipOrReject.optional(),
  maxPositionValue: clipOrReject.optional(),
  /** |position value| / equity. */
  maxPortfolioPct: clipOrReject.optional(),
  /** (gross value of every position) / equity. */
  maxGrossLeverage: clipOrReject.optional(),
  /** (peak − equity) / peak at which risk-adding orders stop; clipping has no meaning here. */
  maxDrawdown: z.strictObject({ limit: nonNegative }).optional(),
});
export type RiskLimits = z.output<typeof riskLimitsSchema>;

export interface PipelineInput {
  signal: Signal;
  /** Missing = the world never activated this strategy: default-safe, rejected. */
  activation: Activation | undefined;
  killSwitchEngaged: boolean;
  portfolio: Portfolio;
  symbol: SymbolProperties;
  /**
   * Whether the account may hold this symbol below zero (a perpetual, a
   * margin account). False on a spot venue: a short target is clipped to flat
   * and a sell never exceeds the position. Absent: it may (see `canShort`).
   */
  shortable?: boolean;
  limits: RiskLimits;
  hours: VenueHours;
  /** The decision instant, epoch ms. */
  ts: number;
}

export interface TrailEntry {
  stage: PipelineStage;
  note: string;
}

export interface OrderIntent {
  symbol: string;
  side: OrderSide;
  /** Unsigned, on the lot. */
  qty: string;
  /** Only when the absolute position shrinks without crossing zero (SPEC §12). */
  reduceOnly: boolean;
  trail: TrailEntry[];
}

export interface PipelineRejection {
  kind: 'rejected';
  stage: PipelineStage;
  reason: PipelineRejectionReason;
  detail: string;
  trail: TrailEntry[];
}
export type PipelineOutcome = { kind: 'submit'; intent: OrderIntent } | PipelineRejection;
type Rejection = PipelineRejection;

/** What flows between stages: the position now, the position wanted, and why. */
interface Draft {
  current: Decimal;
  target: Decimal;
  price: Decimal;
  trail: TrailEntry[];
}

const ZERO = new Dec(0);
const STAGES = Object.keys(PIPELINE_REJECTIONS) as PipelineStage[];
const stageOf = (reason: PipelineRejectionReason): PipelineStage =>
  STAGES.find((stage) => (PIPELINE_REJECTIONS[stage] as readonly string[]).includes(reason))!;
const reject = (reason: PipelineRejectionReason, detail: string, trail: TrailEntry[]): Rejection => ({
  kind: 'rejected',
  stage: stageOf(reason),
  reason,
  detail,
  trail,
});
const isRejection = (x: Draft | Rejection | Decimal): x is Rejection => 'kind' in x;
const fixed = (d: Decimal): string => d.toFixed();

/**
 * A spot symbol cannot be sold short; a perpetual carries its settle
 * currency after a colon (ccxt's unified form, BTC/USDT:USDT) and can.
 */
export const canShort = (symbol: string): boolean => symbol.includes(':');

/** |target| < |current| on the same side of zero (or at zero): closes part of a position, opens nothing. */
export function shrinksWithoutCrossing(current: Decimal.Value, target: Decimal.Value): boolean {
  const c = new Dec(current);
  const t = new Dec(target);
  return c.isPos() ? t.gte(0) && t.lt(c) : c.isNeg() && t.lte(0) && t.gt(c);
}

const GATE_FLAGS: ReadonlyArray<[PipelineRejectionReason, (a: Activation) => boolean, string]> = [
  ['GATE_INACTIVE', (a) => !a.active, 'activation is not active'],
  ['GATE_FROZEN', (a) => a.frozen, 'activation is frozen'],
  ['GATE_DRAINING', (a) => a.draining, 'activation is draining'],
];

/** Gate: the kill switch first, then the activation; returns the weight to size with. */
function gate(input: PipelineInput, trail: TrailEntry[]): Decimal | Rejection {
  if (input.killSwitchEngaged) return reject('GATE_KILL_SWITCH', 'kill switch engaged', trail);
  const a = input.activation;
  if (!a) return reject('GATE_NO_ACTIVATION', 'no activation for this strategy', trail);
  const flag = GATE_FLAGS.find(([, closed]) => closed(a));
  if (flag) return reject(flag[0], flag[2], trail);
  const weight = DECIMAL_TEXT.test(a.weight) ? new Dec(a.weight) : undefined;
  if (!weight || weight.lt(0) || weight.gt(1)) {
    return reject('GATE_INVALID_WEIGHT', `weight ${JSON.stringify(a.weight)} is not in [0, 1]`, trail);
  }
  if (weight.isZero()) return reject('GATE_ZERO_WEIGHT', 'weight is 0', trail);
  trail.push({ stage: 'gate', note: `open, weight ${fixed(weight)}` });
  return weight;
}

function decimalOf(text: string, name: string): Decimal {
  if (!DECIMAL_TEXT.test(text)) throw new RangeError(`${name} must be a decimal string, got ${text}`);
  return new Dec(text);
}

/** The target position the signal asks for, before lot rounding. */
function signalTarget(signal: Signal, weight: Decimal, current: Decimal, price: Decimal, equity: Decimal) {
  switch (signal.kind) {
    case 'value':
      return current.plus(decimalOf(signal.value, 'value').times(weight).div(price));
    case 'percent':
      return current.plus(equity.times(decimalOf(signal.percent, 'percent')).times(weight).div(price));
    case 'target_percent':
      return equity.times(decimalOf(signal.percent, 'percent')).times(weight).div(price);
  }
}

type Settled =
  Decimal | { problem: Extract<PipelineRejectionReason, `SIZE_${string}` | 'NO_CHANGE'>; detail: string };

/**
 * The delta to the lot, toward zero (−0.1 stays −0.1; a target is never
 * overshot), then the symbol's minimums. Returns the reachable target.
 */
function settle(draft: Draft, symbol: SymbolProperties): Settled {
  const raw = draft.target.minus(draft.current);
  if (raw.isZero()) return { problem: 'NO_CHANGE', detail: `already at ${fixed(draft.current)}` };
  const delta = roundQtyToLot(raw, symbol.lotStep);
  if (delta.isZero()) {
    return { problem: 'SIZE_BELOW_LOT', detail: `delta ${fixed(raw)} < lot ${fixed(symbol.lotStep)}` };
  }
  const broken = checkOrderAgainstSymbol({ qty: delta, referencePrice: draft.price }, symbol)[0];
  if (broken?.reason === 'BELOW_MIN_QTY') return { problem: 'SIZE_BELOW_MIN_QTY', detail: broken.detail };
  if (broken?.reason === 'BELOW_MIN_NOTIONAL') {
    return { problem: 'SIZE_BELOW_MIN_NOTIONAL', detail: broken.detail };
  }
  return draft.current.plus(delta);
}

/** Size: signal × weight → target quantity on the lot; never below zero where shorts are not allowed. */
function size(input: PipelineInput, weight: Decimal, trail: TrailEntry[]): Draft | Rejection {
  const { signal, portfolio } = input;
  const priceText = portfolio.prices[signal.symbol];
  const price = priceText === undefined ? undefined : decimalOf(priceText, 'price');
  if (!price?.gt(0)) return reject('SIZE_NO_PRICE', `no positive price for ${signal.symbol}`, trail);
  const current = decimalOf(portfolio.positions[signal.symbol] ?? '0', 'position');
  const equity = decimalOf(portfolio.equity, 'equity');
  const wanted = signalTarget(signal, weight, current, price, equity);
  const target = input.shortable === false ? Dec.max(wanted, 0) : wanted;
  if (!target.eq(wanted) && target.eq(current)) {
    return reject(
      'SHORT_NOT_ALLOWED',
      `${fixed(wanted)} would be short; already at ${fixed(current)}`,
      trail,
    );
  }
  if (!target.eq(wanted)) trail.push({ stage: 'size', note: `SHORT_NOT_ALLOWED clip: ${fixed(wanted)} → 0` });
  const draft: Draft = { current, target, price, trail };
  const settled = settle(draft, input.symbol);
  if (!(settled instanceof Decimal)) return reject(settled.problem, settled.detail, trail);
  trail.push({ stage: 'size', note: `${signal.kind}: ${fixed(current)} → ${fixed(settled)}` });
  return { ...draft, target: settled };
}

type ClipLimit = Exclude<keyof RiskLimits, 'maxDrawdown'>;
/** Largest |target qty| a limit allows at the draft's price (never negative); undefined = cannot tell. */
type Bound = (limit: Decimal, draft: Draft, input: PipelineInput) => Decimal | undefined;
const perUnit = (value: Decimal, draft: Draft) => Dec.max(value, 0).div(draft.price);
const equityOf = (input: PipelineInput) => new Dec(input.portfolio.equity);

/** Gross value of every OTHER position; a held position without a price cannot be valued. */
function otherGross({ portfolio, signal }: PipelineInput): Decimal | undefined {
  let gross = ZERO;
  for (const [name, qty] of Object.entries(portfolio.positions)) {
    if (name === signal.symbol || new Dec(qty).isZero()) continue;
    const price = portfolio.prices[name];
    if (price === undefined) return undefined;
    gross = gross.plus(new Dec(qty).times(price).abs());
  }
  return gross;
}

function leverageBound(limit: Decimal, draft: Draft, input: PipelineInput): Decimal | undefined {
  const others = otherGross(input);
  return others && perUnit(limit.times(equityOf(input)).minus(others), draft);
}

/** The clip-or-reject limits in the order they are checked; a clip feeds the next check. */
const LIMITS: ReadonlyArray<[ClipLimit, PipelineRejectionReason, Bound]> = [
  ['maxPositionQty', 'RISK_MAX_POSITION', (l) => l],
  ['maxPositionValue', 'RISK_MAX_POSITION', (l, d) => perUnit(l, d)],
  ['maxPortfolioPct', 'RISK_MAX_PORTFOLIO_PCT', (l, d, i) => perUnit(l.times(equityOf(i)), d)],
  ['maxGrossLeverage', 'RISK_LEVERAGE', leverageBound],
];

/**
 * One limit. Within it, or moving toward it (shrinking without crossing), the
 * draft passes. Otherwise `reject` stops; `clip` cuts the target to the bound
 * on its own side, but only if that still moves the position the way the
 * signal asked: clipping never turns a buy into a sell.
 */
function applyLimit(
  [name, reason, bound]: (typeof LIMITS)[number],
  draft: Draft,
  input: PipelineInput,
): Draft | Rejection {
  const config = input.limits[name];
  if (!config) return draft;
  const max = bound(config.limit, draft, input);
  if (!max) return reject(reason, 'a held position has no price to value it', draft.trail);
  const { current, target } = draft;
  if (target.abs().lte(max) || shrinksWithoutCrossing(current, target)) return draft;
  const breach = `${name}: |target| ${fixed(target.abs())} > ${fixed(max)}`;
  if (config.mode === 'reject') return reject(reason, breach, draft.trail);
  const clipped = max.times(target.s);
  if (clipped.minus(current).s !== target.minus(current).s || clipped.eq(current)) {
    return reject(reason, `${breach}; clipping leaves no room`, draft.trail);
  }
  const settled = settle({ ...draft, target: clipped }, input.symbol);
  if (!(settled instanceof Decimal)) {
    return reject(reason, `${breach}; clipped order ${settled.detail}`, draft.trail);
  }
  draft.trail.push({ stage: 'risk', note: `${reason} clip (${name}): ${fixed(target)} → ${fixed(settled)}` });
  return { ...draft, target: settled };
}

/** Risk: drawdown (reject only) then each clip-or-reject limit, a clip feeding the next check. */
function risk(draft: Draft, input: PipelineInput): Draft | Rejection {
  const dd = input.limits.maxDrawdown;
  const peak = new Dec(input.portfolio.peakEquity);
  if (dd && !shrinksWithoutCrossing(draft.current, draft.target)) {
    // No positive peak: nothing to measure from, so read it as fully drawn down (default-safe).
    const drawdown = peak.gt(0) ? peak.minus(input.portfolio.equity).div(peak) : new Dec(1);
    if (drawdown.gte(dd.limit)) {
      return reject('RISK_DRAWDOWN', `drawdown ${fixed(drawdown)} >= ${fixed(dd.limit)}`, draft.trail);
    }
  }
  let current: Draft | Rejection = draft;
  for (const limit of LIMITS) {
    current = applyLimit(limit, current, input);
    if (isRejection(current)) return current;
  }
  return current;
}

/**
 * Runs the pipeline. A long→short flip is ONE order, not reduce-only: the
 * risk stage judged the final position, and a reduce-only flag would make a
 * venue cut the opening part off. Only a pure reduction is reduce-only.
 */
export function runPipeline(input: PipelineInput): PipelineOutcome {
  const trail: TrailEntry[] = [];
  const weight = gate(input, trail);
  if (isRejection(weight)) return weight;
  const sized = size(input, weight, trail);
  if (isRejection(sized)) return sized;
  const checked = risk(sized, input);
  if (isRejection(checked)) return checked;
  if (!isOpen(input.hours, input.ts)) {
    return reject('TIMING_VENUE_CLOSED', `venue closed at ${new Date(input.ts).toISOString()}`, trail);
  }
  trail.push({ stage: 'timing', note: 'venue open' });
  const delta = checked.target.minus(checked.current);
  return {
    kind: 'submit',
    intent: {
      symbol: input.signal.symbol,
      side: delta.isPos() ? 'buy' : 'sell',
      qty: fixed(delta.abs()),
      reduceOnly: shrinksWithoutCrossing(checked.current, checked.target),
      trail,
    },
  };
}
