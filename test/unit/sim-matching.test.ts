/** Matching a sim order against closed 1m bars (domain/execution/sim-matching.ts), with hand-made bars. */
import { createBrokerageModel, parseBrokerageConfig, SIM_BROKERAGE } from '../../domain/brokerage/model';
import {
  currenciesOf,
  firstOpportunityTs,
  matchSimOrder,
  type SimMatchBar,
  type SimOrder,
} from '../../domain/execution/sim-matching';

const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;
const at = (i: number) => T0 + i * MINUTE;
const bar = (
  i: number,
  open: number,
  high: number,
  low: number,
  close: number,
  volume = 1_000,
): SimMatchBar => ({
  ts: at(i),
  open,
  high,
  low,
  close,
  volume,
});

const SIM = createBrokerageModel(SIM_BROKERAGE);
/** 0.1 % maker and taker, no slippage, 10 % of bar volume per bar. */
const TEN_PERCENT_VOLUME = createBrokerageModel(
  parseBrokerageConfig({
    fee: { commission: { kind: 'maker_taker', makerRate: '0.001', takerRate: '0.001' } },
    fill: { volumeLimit: { maxVolumeShare: '0.1' } },
  }),
);

const match = (o: SimOrder, bars: SimMatchBar[], model = TEN_PERCENT_VOLUME) =>
  matchSimOrder({ order: o, earlierTrades: [], bars, model });

function order(spec: Partial<SimOrder>): SimOrder {
  const type = spec.type ?? 'limit';
  const createdTs = spec.createdTs ?? at(0);
  return {
    venueOrderId: 'sim-1',
    clientOrderId: 'qmtl-abc',
    symbol: 'BTC/USDT',
    side: 'buy',
    type,
    qty: '100',
    tif: 'GTC',
    status: 'open',
    filledQty: '0',
    triggered: false,
    createdTs,
    matchedThroughTs: firstOpportunityTs(type, createdTs),
    updatedTs: createdTs,
    ...spec,
  };
}

describe('first matching opportunity', () => {
  it('a market order takes the bar last closed at submit; others start with the bar opening at or after it', () => {
    expect(firstOpportunityTs('market', at(3) + 15_000)).toBe(at(2));
    expect(firstOpportunityTs('market', at(3))).toBe(at(2));
    expect(firstOpportunityTs('limit', at(3) + 15_000)).toBe(at(4));
    expect(firstOpportunityTs('stop', at(3))).toBe(at(3));
  });

  it('reads BASE/QUOTE from the symbol', () => {
    expect(currenciesOf('BTC/USDT')).toEqual({ base: 'BTC', quote: 'USDT' });
    expect(currenciesOf('BTC/USDT:USDT')).toEqual({ base: 'BTC', quote: 'USDT' });
    expect(currenciesOf('BTCUSDT')).toBeUndefined();
  });
});

describe('market orders on the sim brokerage model', () => {
  const submitted = at(1) + 15_000;
  const closed = bar(0, 100, 101, 99, 100.5);

  it('buy fills at submit: close + 2 bp slippage, 0.1 % fee on the filled notional', () => {
    const result = match(order({ type: 'market', qty: '2', createdTs: submitted }), [closed], SIM);
    // 100.5 × 1.0002 = 100.5201; notional 201.0402; fee 0.2010402
    expect(result.trades).toEqual([
      {
        tradeId: 'sim-1-1',
        venueOrderId: 'sim-1',
        clientOrderId: 'qmtl-abc',
        symbol: 'BTC/USDT',
        side: 'buy',
        qty: '2',
        price: '100.5201',
        fee: '0.2010402',
        liquidity: 'taker',
        ts: submitted,
      },
    ]);
    expect(result.order).toEqual({
      status: 'filled',
      filledQty: '2',
      triggered: false,
      matchedThroughTs: at(1),
      updatedTs: submitted,
    });
    expect(result.balanceDeltas).toEqual({ BTC: '2', USDT: '-201.2412402' });
  });

  it('sell: close − 2 bp, proceeds less the fee', () => {
    const result = match(
      order({ type: 'market', side: 'sell', qty: '2', createdTs: submitted }),
      [closed],
      SIM,
    );
    // 100.5 × 0.9998 = 100.4799; notional 200.9598; fee 0.2009598
    expect(result.trades.map((t) => [t.price, t.fee])).toEqual([['100.4799', '0.2009598']]);
    expect(result.balanceDeltas).toEqual({ BTC: '-2', USDT: '200.7588402' });
  });
});

describe('time in force at the first opportunity', () => {
  // Volume 300 → at most 30 per bar; a buy limit of 100 is crossed (low 99), filled at the open 99.5.
  const crossing = bar(0, 99.5, 100.5, 99, 100, 300);

  it('IOC takes the 30 of 100 the bar offers and expires the rest', () => {
    const result = match(
      order({ tif: 'IOC', limitPrice: '100' }),
      [crossing, bar(1, 99, 99, 99, 99, 300)],
      TEN_PERCENT_VOLUME,
    );
    expect(result.trades.map((t) => [t.qty, t.price, t.fee, t.liquidity])).toEqual([
      ['30', '99.5', '2.985', 'maker'],
    ]);
    expect(result.order).toMatchObject({ status: 'expired', filledQty: '30', matchedThroughTs: at(1) });
    expect(result.barsMatched).toBe(1);
    expect(result.balanceDeltas).toEqual({ BTC: '30', USDT: '-2987.985' });
  });

  it('FOK: all or nothing — expired with zero fills when only 30 of 100 are there', () => {
    const result = match(order({ tif: 'FOK', limitPrice: '100' }), [crossing], TEN_PERCENT_VOLUME);
    expect(result.trades).toEqual([]);
    expect(result.order).toMatchObject({ status: 'expired', filledQty: '0', updatedTs: at(1) });
    expect(result.balanceDeltas).toEqual({});
  });

  it('FOK fills whole when the bar offers it', () => {
    const result = match(order({ tif: 'FOK', qty: '30', limitPrice: '100' }), [crossing], TEN_PERCENT_VOLUME);
    expect(result.order).toMatchObject({ status: 'filled', filledQty: '30' });
  });

  it('GTC limit not crossed stays open and only advances what was matched', () => {
    const result = match(
      order({ limitPrice: '98.5' }),
      [crossing, bar(1, 100, 100.2, 98.6, 99)],
      TEN_PERCENT_VOLUME,
    );
    expect(result.trades).toEqual([]);
    expect(result.order).toEqual({
      status: 'open',
      filledQty: '0',
      triggered: false,
      matchedThroughTs: at(2),
      updatedTs: at(0),
    });
  });
});

describe('volume-limited partial fills', () => {
  const bars = [
    bar(0, 100, 100, 100, 100, 300),
    bar(1, 100, 100, 100, 100, 300),
    bar(2, 100, 100, 100, 100, 300),
    bar(3, 100, 100, 100, 100, 300),
    bar(4, 100, 100, 100, 100, 300),
  ];

  it('30/30/30/10 over four bars, ending filled; the fifth bar is never read', () => {
    const result = match(order({ limitPrice: '100' }), bars, TEN_PERCENT_VOLUME);
    expect(result.trades.map((t) => [t.tradeId, t.qty, t.fee, t.ts])).toEqual([
      ['sim-1-1', '30', '3', at(1)],
      ['sim-1-2', '30', '3', at(2)],
      ['sim-1-3', '30', '3', at(3)],
      ['sim-1-4', '10', '1', at(4)],
    ]);
    expect(result.order).toMatchObject({ status: 'filled', filledQty: '100', matchedThroughTs: at(4) });
    expect(result.barsMatched).toBe(4);
    expect(result.balanceDeltas).toEqual({ BTC: '100', USDT: '-10010' });
  });

  it('a capped call resumes where it stopped; trade ids and an order-level minimum fee carry over', () => {
    // 0.1 % with a 5 USDT minimum per order: 3000 notional pays 5, the next 3000 brings the order to 6.
    const minimumFee = createBrokerageModel(
      parseBrokerageConfig({
        fee: { commission: { kind: 'percent', rate: '0.001', minimum: '5' } },
        fill: { volumeLimit: { maxVolumeShare: '0.1' } },
      }),
    );
    const first = matchSimOrder({
      order: order({ limitPrice: '100' }),
      earlierTrades: [],
      bars,
      model: minimumFee,
      maxBars: 1,
    });
    expect(first.order).toMatchObject({ status: 'open', filledQty: '30', matchedThroughTs: at(1) });
    expect(first.trades.map((t) => t.fee)).toEqual(['5']);
    const second = matchSimOrder({
      order: order({ limitPrice: '100', ...first.order }),
      earlierTrades: first.trades,
      bars: bars.slice(1),
      model: minimumFee,
    });
    expect(second.trades.map((t) => [t.tradeId, t.qty, t.fee])).toEqual([
      ['sim-1-2', '30', '1'],
      ['sim-1-3', '30', '3'],
      ['sim-1-4', '10', '1'],
    ]);
  });

  it('refuses trades that do not add up to the filled quantity (a stale read)', () => {
    expect(() => match(order({ limitPrice: '100', filledQty: '30' }), bars)).toThrow(RangeError);
  });

  it('refuses bars before matchedThroughTs', () => {
    const resting = order({ limitPrice: '100', matchedThroughTs: at(2) });
    expect(() => match(resting, bars, SIM)).toThrow(RangeError);
  });
});

describe('price rules', () => {
  const TEN_BPS = createBrokerageModel(
    parseBrokerageConfig({
      fee: { commission: { kind: 'maker_taker', makerRate: '0', takerRate: '0.001' } },
      fill: { slippage: [{ kind: 'constant', bps: '10' }] },
    }),
  );

  it('a limit buy never fills through its limit, whatever the slippage', () => {
    // reference min(open 99.95, limit 100) = 99.95; + 10 bp = 100.04995 → capped at 100
    const result = match(
      order({ qty: '1', limitPrice: '100' }),
      [bar(0, 99.95, 100.2, 99.9, 100.1)],
      TEN_BPS,
    );
    expect(result.trades.map((t) => [t.price, t.fee])).toEqual([['100', '0']]);
  });

  it('a stop-limit trigger persists: triggered out of its limit on one bar, filled as a limit on the next', () => {
    // sell stop 95 limit 95.5: bar 0 trades down to 94.5 → triggers at 95, below the limit → no fill
    const stopLimit = order({
      side: 'sell',
      type: 'stop_limit',
      qty: '1',
      stopPrice: '95',
      limitPrice: '95.5',
    });
    const first = match(stopLimit, [bar(0, 96, 96.5, 94.5, 95.5)], TEN_BPS);
    expect(first.trades).toEqual([]);
    expect(first.order).toEqual({
      status: 'open',
      filledQty: '0',
      triggered: true,
      matchedThroughTs: at(1),
      updatedTs: at(1),
    });
    // bar 1 reaches 95.5 → sells at max(open 95, limit 95.5); untriggered it would re-trigger at 95 and not fill
    const next = bar(1, 95, 96, 94.8, 95.8);
    const second = match({ ...stopLimit, ...first.order }, [next], TEN_BPS);
    expect(second.trades.map((t) => [t.price, t.liquidity, t.ts])).toEqual([['95.5', 'maker', at(2)]]);
    expect(second.order).toMatchObject({ status: 'filled', triggered: true });
    const fresh = match(stopLimit, [{ ...next, ts: at(0) }], TEN_BPS);
    expect(fresh.trades).toEqual([]);
  });

  it('an IOC stop is not expired by bars that do not trigger it', () => {
    const result = match(
      order({ type: 'stop', tif: 'IOC', qty: '1', stopPrice: '105' }),
      [bar(0, 100, 101, 99, 100), bar(1, 100, 106, 100, 105.5)],
      TEN_BPS,
    );
    // triggered on bar 1 at max(stop 105, open 100) = 105, + 10 bp = 105.105
    expect(result.trades.map((t) => [t.price, t.fee])).toEqual([['105.105', '0.105105']]);
    expect(result.order).toMatchObject({ status: 'filled', triggered: true });
  });

  it('an order that is no longer open is left alone', () => {
    const done = order({ status: 'canceled', limitPrice: '100' });
    const result = match(done, [bar(0, 99, 99, 99, 99)], SIM);
    expect(result).toEqual({
      order: {
        status: 'canceled',
        filledQty: '0',
        triggered: false,
        matchedThroughTs: at(0),
        updatedTs: at(0),
      },
      trades: [],
      balanceDeltas: {},
      barsMatched: 0,
    });
  });
});
