/**
 * The cost preview end to end over the pure models, with the arithmetic of
 * every number in a comment: symbol rules, buying power, fill, TIF, fee per
 * fill, cash after and the settlement date.
 */
import { cashBalance, US_SETTLEMENT_HOLIDAYS_2026 } from '../../domain/brokerage/settlement';
import { marketSnapshot } from '../../domain/brokerage/market';
import { parseBrokerageConfig, SIM_BROKERAGE, type BrokerageConfigInput } from '../../domain/brokerage/model';
import { simulateOrder, type SimulateInput, type SimulatedOrder } from '../../domain/brokerage/simulate';
import { Dec, symbolPropertiesSchema } from '../../domain/execution/symbol';
import type { TimeInForce } from '../../domain/execution/tif';

const BTC = symbolPropertiesSchema.parse({
  symbol: 'BTC/USDT',
  minQty: '0.0001',
  lotStep: '0.0001',
  tickSize: '0.01',
  minNotional: '5',
});
const QUOTE = marketSnapshot({ bid: '59990', ask: '60000' });
const TS = Date.UTC(2026, 2, 10, 12); // Tuesday 2026-03-10 12:00 UTC
const GTC: TimeInForce = { kind: 'GTC' };

const order = (over: Partial<SimulatedOrder> = {}): SimulatedOrder => ({
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'market',
  qty: new Dec('0.5'),
  tif: GTC,
  ...over,
});
const input = (over: Partial<SimulateInput> = {}): SimulateInput => ({
  config: SIM_BROKERAGE,
  symbol: BTC,
  market: QUOTE,
  account: { cash: cashBalance('100000'), positions: {} },
  order: order(),
  ts: TS,
  ...over,
});

describe('simulateOrder on the sim venue (0.1 % fee, 2 bp slippage, 10 % of bar volume)', () => {
  it('fills a market buy at the ask plus slippage and charges the taker fee on the filled notional', () => {
    // ask 60000 + 60000 × 2 / 10000 = 60012; fee 0.5 × 60012 = 30006 × 0.001 = 30.006
    // cash 100000 − 30006 − 30.006 = 69963.994; crypto settles T+0 on the trade date
    expect(simulateOrder(input())).toEqual({
      accepted: true,
      fills: [{ qty: '0.5', price: '60012', fee: '30.006', liquidity: 'taker' }],
      status: 'FILLED',
      cashAfter: '69963.994',
      positionAfter: '0.5',
      settlesOn: '2026-03-10',
    });
  });

  it('leaves a limit that the market has not reached working: NEW, no fill, no fee', () => {
    const result = simulateOrder(input({ order: order({ type: 'limit', limitPrice: new Dec('59000') }) }));
    expect(result).toEqual({
      accepted: true,
      fills: [],
      status: 'NEW',
      cashAfter: '100000',
      positionAfter: '0',
      settlesOn: null,
    });
  });

  describe('a market buy of 15 against a bar of volume 100 (at most 10 fill)', () => {
    const bar = marketSnapshot({
      ask: '60000',
      bar: { open: '60000', high: '60100', low: '59900', close: '60050', volume: '100' },
    });
    const run = (tif: TimeInForce) =>
      simulateOrder(
        input({
          market: bar,
          account: { cash: cashBalance('1000000'), positions: {} },
          order: order({ qty: new Dec('15'), tif }),
        }),
      );

    it('IOC takes the 10 on offer and expires the rest', () => {
      // 10 @ 60012 = 600120; fee 600.12; cash 1000000 − 600120 − 600.12 = 399279.88
      expect(run({ kind: 'IOC' })).toEqual({
        accepted: true,
        fills: [{ qty: '10', price: '60012', fee: '600.12', liquidity: 'taker' }],
        status: 'EXPIRED',
        cashAfter: '399279.88',
        positionAfter: '10',
        settlesOn: '2026-03-10',
      });
    });

    it('GTC takes the 10 and keeps working; FOK takes nothing and expires', () => {
      expect(run(GTC)).toMatchObject({ status: 'PARTIALLY_FILLED', positionAfter: '10' });
      expect(run({ kind: 'FOK' })).toMatchObject({ status: 'EXPIRED', fills: [], cashAfter: '1000000' });
    });
  });

  it('rejects a buy the cash cannot pay for, with the reason and nothing booked', () => {
    // reserve 0.5 × 60000 = 30000 + taker fee 30 = 30030 > 1000
    const result = simulateOrder(input({ account: { cash: cashBalance('1000'), positions: {} } }));
    expect(result).toEqual({
      accepted: false,
      rejection: { reason: 'INSUFFICIENT_BUYING_POWER', detail: 'cost 30030 > available cash 1000' },
      fills: [],
      status: 'REJECTED',
      cashAfter: '1000',
      positionAfter: '0',
      settlesOn: null,
    });
  });

  it('refuses symbol-rule breaches and shorts in a cash account before anything fills', () => {
    const dust = simulateOrder(input({ order: order({ qty: new Dec('0.00005') }) }));
    expect(dust.rejection?.reason).toBe('BELOW_MIN_QTY');
    // Selling 1 with 0.4 held would short 0.6.
    const short = simulateOrder(
      input({
        account: { cash: cashBalance('0'), positions: { 'BTC/USDT': new Dec('0.4') } },
        order: order({ side: 'sell', qty: new Dec('1') }),
      }),
    );
    expect(short.rejection?.reason).toBe('SHORT_NOT_ALLOWED');
  });

  it('expires a GTD order whose expiry is already past: no fill', () => {
    const result = simulateOrder(input({ order: order({ tif: { kind: 'GTD', expireAt: TS - 1 } }) }));
    expect(result).toMatchObject({ accepted: true, status: 'EXPIRED', fills: [] });
  });
});

describe('maker versus taker (0.02 % maker, 0.05 % taker)', () => {
  const config = parseBrokerageConfig({
    fee: { commission: { kind: 'maker_taker', makerRate: '0.0002', takerRate: '0.0005' } },
    fill: { slippage: [{ kind: 'constant', bps: '2' }], volumeLimit: { maxVolumeShare: '0.1' } },
  } satisfies BrokerageConfigInput);

  it('a resting limit reached within the bar is a maker fill at the limit', () => {
    // bar opens 60000 above the 59950 limit, low 59900 reaches it: fills at min(open, limit) = 59950;
    // slippage would give 59961.99 but the limit caps it. fee 0.5 × 59950 = 29975 × 0.0002 = 5.995
    const market = marketSnapshot({
      bar: { open: '60000', high: '60050', low: '59900', close: '59980', volume: '100' },
    });
    const result = simulateOrder(
      input({ config, market, order: order({ type: 'limit', limitPrice: new Dec('59950') }) }),
    );
    expect(result.fills).toEqual([{ qty: '0.5', price: '59950', fee: '5.995', liquidity: 'maker' }]);
    expect(result.cashAfter).toBe('70019.005'); // 100000 − 29975 − 5.995
  });

  it('a limit that crosses the ask on arrival is a taker fill, never beyond its limit', () => {
    // ask 60000 + 12 slippage = 60012, capped at the 60010 limit; fee 0.5 × 60010 = 30005 × 0.0005 = 15.0025
    const result = simulateOrder(
      input({ config, order: order({ type: 'limit', limitPrice: new Dec('60010') }) }),
    );
    expect(result.fills).toEqual([{ qty: '0.5', price: '60010', fee: '15.0025', liquidity: 'taker' }]);
    expect(result.cashAfter).toBe('69979.9975'); // 100000 − 30005 − 15.0025
  });
});

describe('a US equity on IBKR-style tiers, settling T+2 on the US settlement calendar', () => {
  const config = parseBrokerageConfig({
    fee: {
      commission: {
        kind: 'marginal_share_tiers',
        tiers: [
          { upToShares: '300000', perShare: '0.0035' },
          { upToShares: '3000000', perShare: '0.002' },
          { perShare: '0.001' },
        ],
        minimum: '0.35',
        maxPercentOfNotional: '0.01',
      },
    },
    // The US equity rule's calendar and zone, with days: 2 (a T+2 market).
    settlement: {
      days: 2,
      calendar: { weekend: [0, 6], holidays: [...US_SETTLEMENT_HOLIDAYS_2026] },
      timeZone: 'America/New_York',
    },
    hours: {
      kind: 'sessions',
      timeZone: 'America/New_York',
      calendar: { weekend: [0, 6], holidays: [...US_SETTLEMENT_HOLIDAYS_2026] },
      sessions: [{ open: '09:30', close: '16:00' }],
    },
  });
  const AAPL = symbolPropertiesSchema.parse({
    symbol: 'AAPL',
    minQty: '1',
    lotStep: '1',
    tickSize: '0.01',
    minNotional: '0',
  });
  // Thursday 2026-07-02 15:00 New York (EDT, UTC−4); Friday 3 July is the Independence Day holiday.
  const thursday = Date.UTC(2026, 6, 2, 19);
  const buy = (ts: number) =>
    simulateOrder({
      config,
      symbol: AAPL,
      market: marketSnapshot({ bid: '19.99', ask: '20' }),
      account: { cash: cashBalance('100000'), positions: {}, monthShares: new Dec('299000') },
      order: { symbol: 'AAPL', side: 'buy', type: 'market', qty: new Dec('2000'), tif: GTC },
      ts,
    });

  it('splits the fee across the tier boundary and settles after the holiday', () => {
    // month at 299000: 1000 × 0.0035 = 3.50 + 1000 × 0.002 = 2.00 → 5.50 (flat would be 7.00)
    // cash 100000 − 2000 × 20 − 5.5 = 59994.5 (unsettled until the settlement date)
    // T+1 skips Fri 3 Jul (holiday) → Mon 6 Jul; T+2 → Tue 7 Jul
    expect(buy(thursday)).toEqual({
      accepted: true,
      fills: [{ qty: '2000', price: '20', fee: '5.5', liquidity: 'taker' }],
      status: 'FILLED',
      cashAfter: '59994.5',
      positionAfter: '2000',
      settlesOn: '2026-07-07',
    });
  });

  it('fills nothing while the exchange is closed: a GTC market order keeps working', () => {
    const night = Date.UTC(2026, 6, 2, 23); // 19:00 New York, after the close
    expect(buy(night)).toMatchObject({ accepted: true, status: 'NEW', fills: [], cashAfter: '100000' });
  });
});
