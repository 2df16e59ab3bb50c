import {
  checkOrderAgainstSymbol,
  Dec,
  roundPriceToTick,
  roundQtyToLot,
  symbolPropertiesSchema,
} from '../../domain/execution';

/** The float rounding SPEC §12 forbids, kept here to show the pinned cases break it. */
const floatRoundToLot = (qty: number, lot: number) => Math.trunc(qty / lot) * lot;

describe('roundQtyToLot', () => {
  it('SPEC §12: a −0.1 delta (0.2 − 0.3) on lot 0.001 stays −0.1, not −0.099', () => {
    const delta = new Dec('0.2').minus('0.3');
    expect(roundQtyToLot(delta, '0.001').toString()).toBe('-0.1');
    expect(roundQtyToLot('-0.1', '0.001').toString()).toBe('-0.1');
    // The same case in floats: the defect this test pins.
    expect(floatRoundToLot(0.2 - 0.3, 0.001)).toBe(-0.099);
  });

  it.each([
    ['0.3', '0.1', '0.3'], // float: 0.2
    ['-0.7', '0.1', '-0.7'], // float: -0.6000000000000001
    ['1.2345', '0.001', '1.234'],
    ['-1.2345', '0.001', '-1.234'], // toward zero, never enlarges a sell
    ['0.0009', '0.001', '0'],
    ['-0.0009', '0.001', '0'],
    ['123456789.123456789', '0.00000001', '123456789.12345678'],
    ['7', '5', '5'],
  ])('%s on lot %s → %s', (qty, lot, expected) => {
    expect(roundQtyToLot(qty, lot).toString()).toBe(expected);
  });

  it('float arithmetic gets the pinned 0.3 / 0.1 and −0.7 / 0.1 cases wrong', () => {
    expect(floatRoundToLot(0.3, 0.1)).not.toBe(0.3);
    expect(floatRoundToLot(-0.7, 0.1)).not.toBe(-0.7);
  });

  it('refuses a non-positive lot', () => {
    expect(() => roundQtyToLot('1', '0')).toThrow(RangeError);
  });
});

describe('roundPriceToTick (toward the passive side)', () => {
  it.each([
    ['100.037', '0.01', 'buy', '100.03'],
    ['100.031', '0.01', 'sell', '100.04'],
    ['100.03', '0.01', 'buy', '100.03'],
    ['100.03', '0.01', 'sell', '100.03'],
    ['0.30000000000000004', '0.1', 'buy', '0.3'],
    ['0.3', '0.1', 'sell', '0.3'],
    ['27123.7', '0.5', 'buy', '27123.5'],
    ['27123.2', '0.5', 'sell', '27123.5'],
  ] as const)('%s on tick %s for a %s → %s', (price, tick, side, expected) => {
    expect(roundPriceToTick(price, tick, side).toString()).toBe(expected);
  });
});

describe('checkOrderAgainstSymbol', () => {
  const btc = symbolPropertiesSchema.parse({
    symbol: 'BTC/USDT',
    minQty: '0.00001',
    lotStep: '0.00001',
    tickSize: '0.01',
    minNotional: '5',
  });
  const reasons = (terms: Parameters<typeof checkOrderAgainstSymbol>[0]) =>
    checkOrderAgainstSymbol(terms, btc).map((rejection) => rejection.reason);

  it('accepts an order on lot, on tick and above the minimums', () => {
    expect(reasons({ qty: '0.001', limitPrice: '60000.01' })).toEqual([]);
    expect(reasons({ qty: '-0.001', referencePrice: '60000' })).toEqual([]);
  });

  it('names every broken rule', () => {
    expect(reasons({ qty: '0.000005', limitPrice: '60000.005' })).toEqual([
      'BELOW_MIN_QTY',
      'NOT_ON_LOT',
      'NOT_ON_TICK',
      'BELOW_MIN_NOTIONAL',
    ]);
  });

  it('checks the stop price on tick and the notional at the limit, not a float product', () => {
    expect(reasons({ qty: '0.0001', limitPrice: '50000', stopPrice: '49999.999' })).toEqual(['NOT_ON_TICK']);
    // 0.0001 × 49999.99 = 4.999999 < 5
    expect(reasons({ qty: '0.0001', limitPrice: '49999.99' })).toEqual(['BELOW_MIN_NOTIONAL']);
    // 0.00005 × 100000 = exactly 5: at the minimum is enough
    expect(reasons({ qty: '0.00005', limitPrice: '100000' })).toEqual([]);
  });

  it('rejects float numbers and unknown keys in symbol configuration', () => {
    const base = { symbol: 'X', minQty: '0', lotStep: '0.1', tickSize: '0.1', minNotional: '0' };
    expect(symbolPropertiesSchema.safeParse({ ...base, lotStep: 0.1 }).success).toBe(false);
    expect(symbolPropertiesSchema.safeParse({ ...base, tickSize: '0' }).success).toBe(false);
    expect(symbolPropertiesSchema.safeParse({ ...base, maxQty: '1' }).success).toBe(false);
  });
});
