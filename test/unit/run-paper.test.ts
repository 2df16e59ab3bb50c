/** The pure parts of paper/live runs: bar grid, trailing window, target → signal, portfolio, limit price. */
import { runPipeline } from '../../domain/execution/pipeline';
import { Dec } from '../../domain/execution/symbol';
import { CRYPTO_HOURS } from '../../domain/brokerage/hours';
import {
  MAX_TRAILING_BARS,
  MIN_TRAILING_BARS,
  nextBarClose,
  paperIntentId,
  paperPortfolio,
  passiveLimitPrice,
  sideOfTarget,
  targetSignal,
  trailingBars,
  trailingWindow,
} from '../../domain/run/paper';

const MIN = 60_000;
const T = Date.UTC(2026, 0, 5, 12); // on the minute grid

describe('nextBarClose', () => {
  it('is the first close strictly ahead of now', () => {
    expect(nextBarClose(T, MIN)).toBe(T + MIN);
    expect(nextBarClose(T + 1, MIN)).toBe(T + MIN);
    expect(nextBarClose(T + MIN - 1, MIN)).toBe(T + MIN);
    expect(nextBarClose(T + 30_000, 5 * MIN)).toBe(T + 5 * MIN);
  });

  it('never returns the bar already handled or one before it', () => {
    expect(nextBarClose(T - 1, MIN, T)).toBe(T + MIN);
    expect(nextBarClose(T + 10, MIN, T + MIN)).toBe(T + 2 * MIN);
    // Woke late: the newest close ahead, missed bars are not replayed.
    expect(nextBarClose(T + 5 * MIN + 1, MIN, T)).toBe(T + 6 * MIN);
  });
});

describe('trailing window', () => {
  it('doubles the summed warm-ups, within the bounds', () => {
    expect(trailingBars([])).toBe(MIN_TRAILING_BARS);
    expect(trailingBars([19, 4, 0, 0])).toBe(MIN_TRAILING_BARS);
    expect(trailingBars([199, 49])).toBe(497);
    expect(trailingBars([100_000])).toBe(MAX_TRAILING_BARS);
  });

  it('ends with the bar that closed at the given instant', () => {
    expect(trailingWindow(T, MIN, 50)).toEqual({ start: T - 50 * MIN, end: T - MIN, intervalMs: MIN });
  });
});

describe('targetSignal', () => {
  it('holds the target fraction of the committable equity (0.25 % kept free), clipped to [−1, 1]', () => {
    expect(targetSignal('BTC/USDT', 0.25)).toEqual({
      symbol: 'BTC/USDT',
      kind: 'target_percent',
      percent: '0.249375',
    });
    expect(targetSignal('BTC/USDT', -1.5)).toMatchObject({ percent: '-0.9975' });
    expect(targetSignal('BTC/USDT', 1)).toMatchObject({ percent: '0.9975' });
    expect(targetSignal('BTC/USDT', NaN)).toBeUndefined();
    expect(sideOfTarget(-0.5)).toBe('short');
    expect(sideOfTarget(0)).toBe('long');
  });

  it('names one intent per run and bar', () => {
    expect(paperIntentId('run:abc:w1:paper:1', T)).toBe(`run:abc:w1:paper:1:${T}`);
  });
});

describe('paperPortfolio → runPipeline', () => {
  const symbol = {
    symbol: 'BTC/USDT',
    minQty: new Dec('0.00001'),
    lotStep: new Dec('0.00001'),
    tickSize: new Dec('0.01'),
    minNotional: new Dec('5'),
  };

  it('values cash plus the traded position at the close; the peak never falls', () => {
    const portfolio = paperPortfolio(
      { cash: '50000', positions: { 'BTC/USDT': '0.5', 'ETH/USDT': '3' } },
      'BTC/USDT',
      '60000.5',
      '90000',
    );
    expect(portfolio).toEqual({
      equity: '80000.25',
      peakEquity: '90000',
      positions: { 'BTC/USDT': '0.5' },
      prices: { 'BTC/USDT': '60000.5' },
    });
    expect(paperPortfolio({ cash: '100', positions: {} }, 'BTC/USDT', '1', '50').peakEquity).toBe('100');
  });

  it('sizes a target into an order on the lot, weighted by the activation', () => {
    const outcome = runPipeline({
      signal: targetSignal('BTC/USDT', 0.5)!,
      activation: { active: true, frozen: false, draining: false, weight: '0.5' },
      killSwitchEngaged: false,
      portfolio: paperPortfolio({ cash: '100000', positions: {} }, 'BTC/USDT', '61234.56', undefined),
      symbol,
      limits: {},
      hours: CRYPTO_HOURS,
      ts: T,
    });
    // 100000 × (0.5 × 0.9975) × 0.5 / 61234.56 = 0.4072451…, toward zero on the lot.
    expect(outcome).toMatchObject({
      kind: 'submit',
      intent: { side: 'buy', qty: '0.40724', reduceOnly: false },
    });
  });
});

describe('passiveLimitPrice', () => {
  it('offsets away from the market and rounds on the tick toward the passive side', () => {
    expect(passiveLimitPrice('60000', 'buy', 500, '0.01')).toBe('57000');
    expect(passiveLimitPrice('60000.07', 'buy', 1, '0.01')).toBe('59994.06');
    expect(passiveLimitPrice('60000.07', 'sell', 1, '0.01')).toBe('60006.08');
  });
});
