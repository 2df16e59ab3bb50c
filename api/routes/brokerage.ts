/**
 * The cost preview over HTTP (SPEC §5): `POST /v1/brokerage/simulate` prices
 * one order with the same pure models the venues use (domain/brokerage/
 * simulate.ts). A refused order is an answer (200, accepted=false), not an
 * error; only a malformed or self-contradicting request is a 4xx.
 */
import { z } from 'zod';
import { localDateSchema } from '../../domain/brokerage/calendar';
import { nextClose } from '../../domain/brokerage/hours';
import { marketSnapshotSchema } from '../../domain/brokerage/market';
import { SIM_BROKERAGE, brokerageConfigSchema, type BrokerageConfig } from '../../domain/brokerage/model';
import { cashBalance, type CashBalance } from '../../domain/brokerage/settlement';
import { simulateOrder, type SimulatedOrder, type SimulationResult } from '../../domain/brokerage/simulate';
import { Dec, symbolPropertiesSchema } from '../../domain/execution/symbol';
import type { TimeInForce } from '../../domain/execution/tif';
import { ProblemError } from '../errors';
import { checkOrderTerms, instant, orderTermsShape, positiveDecimal, signedDecimal } from '../order-request';
import { defineRoute, type RouteSpec } from '../route';

const cashSchema = z.union([
  signedDecimal,
  z.strictObject({
    settled: signedDecimal,
    unsettled: z.array(z.strictObject({ amount: signedDecimal, settles_on: localDateSchema })).default([]),
  }),
]);

const symbolKey = z.string().min(1).max(40);
const accountSchema = z.strictObject({
  cash: cashSchema.meta({ description: 'Settled cash, or {settled, unsettled: [{amount, settles_on}]}' }),
  positions: z
    .record(symbolKey, signedDecimal)
    .default({})
    .meta({ description: 'Signed; negative is short' }),
  marks: z.record(symbolKey, positiveDecimal).optional().meta({ description: 'Prices of other holdings' }),
  month_shares: positiveDecimal.optional().meta({ description: 'Volume traded this month (tiered fees)' }),
  month_notional: positiveDecimal.optional(),
});

export const simulateRequestSchema = z
  .object({
    // Absent: the simulated venue sim (SIM_BROKERAGE).
    config: brokerageConfigSchema.optional(),
    symbol: symbolPropertiesSchema,
    market: marketSnapshotSchema.refine(
      (m) => [m.bid, m.ask, m.last, m.bar?.open, m.bar?.low].every((p) => p === undefined || p.gt(0)),
      'prices must be > 0',
    ),
    account: accountSchema,
    order: z.strictObject(orderTermsShape).superRefine(checkOrderTerms),
    ts: instant.optional().meta({ description: 'Submission instant; now when absent' }),
  })
  .meta({ id: 'BrokerageSimulation' });

const simulationResultSchema = z
  .object({
    accepted: z.boolean(),
    rejection: z.object({ reason: z.string(), detail: z.string() }).optional(),
    fills: z.array(
      z.object({
        qty: z.string(),
        price: z.string(),
        fee: z.string(),
        liquidity: z.enum(['maker', 'taker']),
      }),
    ),
    status: z.enum(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'EXPIRED', 'REJECTED']),
    cash_after: z.string().meta({ description: 'Settled plus unsettled cash, fees included' }),
    position_after: z.string(),
    settles_on: z.string().nullable().meta({ description: 'Local date at the venue; null without fills' }),
  })
  .meta({ id: 'BrokerageSimulationResult' });

type SimulateRequest = z.output<typeof simulateRequestSchema>;

export function brokerageRoutes(): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/brokerage/simulate',
      operationId: 'simulateOrder',
      summary: 'Price one order against a market snapshot and account (fees, fills, status, cash after)',
      tags: ['brokerage'],
      access: 'reader',
      // A pure computation: repeating it is harmless, so no Idempotency-Key bookkeeping.
      idempotent: false,
      body: simulateRequestSchema,
      responses: {
        200: {
          description: 'The outcome; a refused order has accepted=false',
          schema: simulationResultSchema,
        },
        422: {
          description:
            'The order names another symbol than the properties (E_SYMBOL_MISMATCH), or the model cannot work (E_BROKERAGE_CONFIG)',
        },
      },
      async handler({ body }) {
        if (body.order.symbol !== body.symbol.symbol) {
          throw new ProblemError(
            422,
            'E_SYMBOL_MISMATCH',
            'Symbol mismatch',
            `order.symbol '${body.order.symbol}' is not symbol.symbol '${body.symbol.symbol}'`,
          );
        }
        const config = body.config ?? SIM_BROKERAGE;
        const ts = body.ts ?? Date.now();
        try {
          const result = simulateOrder({
            config,
            symbol: body.symbol,
            market: body.market,
            account: account(body.account),
            order: order(body.order, config, ts),
            ts,
          });
          return { status: 200, body: resultBody(result) };
        } catch (err) {
          // The models throw RangeError for a configuration that cannot work (a venue that never opens).
          if (!(err instanceof RangeError)) throw err;
          throw new ProblemError(422, 'E_BROKERAGE_CONFIG', 'Unusable brokerage configuration', err.message);
        }
      },
    }),
  ];
}

function cash(input: SimulateRequest['account']['cash']): CashBalance {
  if (typeof input === 'string') return cashBalance(new Dec(input));
  const unsettled = input.unsettled.map((u) => ({ amount: new Dec(u.amount), settlesOn: u.settles_on }));
  return cashBalance(new Dec(input.settled), unsettled);
}

const decimals = (record: Record<string, string>) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, new Dec(value)]));

function account(input: SimulateRequest['account']) {
  return {
    cash: cash(input.cash),
    positions: decimals(input.positions),
    ...(input.marks && { marks: decimals(input.marks) }),
    ...(input.month_shares && { monthShares: new Dec(input.month_shares) }),
    ...(input.month_notional && { monthNotional: new Dec(input.month_notional) }),
  };
}

/** DAY ends at the venue's own close (its session, or its daily cutoff for 24/7 venues). */
function tif(terms: SimulateRequest['order'], config: BrokerageConfig, ts: number): TimeInForce {
  if (terms.tif === 'GTD') return { kind: 'GTD', expireAt: terms.expire_at! };
  if (terms.tif === 'DAY') return { kind: 'DAY', closeAt: nextClose(config.hours, ts) };
  return { kind: terms.tif };
}

function order(terms: SimulateRequest['order'], config: BrokerageConfig, ts: number): SimulatedOrder {
  return {
    symbol: terms.symbol,
    side: terms.side,
    type: terms.type,
    qty: new Dec(terms.qty),
    ...(terms.limit_price && { limitPrice: new Dec(terms.limit_price) }),
    ...(terms.stop_price && { stopPrice: new Dec(terms.stop_price) }),
    tif: tif(terms, config, ts),
  };
}

function resultBody(result: SimulationResult): z.input<typeof simulationResultSchema> {
  return {
    accepted: result.accepted,
    ...(result.rejection && { rejection: result.rejection }),
    fills: result.fills,
    status: result.status as z.input<typeof simulationResultSchema>['status'],
    cash_after: result.cashAfter,
    position_after: result.positionAfter,
    settles_on: result.settlesOn,
  };
}
