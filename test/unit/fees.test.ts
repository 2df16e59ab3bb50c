import Decimal from 'decimal.js';
import {
  NO_PRIOR_VOLUME,
  advanceFeeContext,
  borrowFee,
  borrowFeeSchema,
  createFeeModel,
  parseFeeSchedule,
  type FeeContext,
  type FeeFill,
  type FeeModel,
} from '../../domain/brokerage/fees';

const d = (v: Decimal.Value) => new Decimal(v);
const fill = (qty: Decimal.Value, price: Decimal.Value, extra: Partial<FeeFill> = {}): FeeFill => ({
  side: 'buy',
  qty: d(qty),
  price: d(price),
  liquidity: 'taker',
  ...extra,
});
const model = (input: unknown) => createFeeModel(parseFeeSchedule(input));

/** Charges each fill in sequence, advancing the order/month context as an order workflow would. */
function chargeSequence(m: FeeModel, fills: FeeFill[], start: FeeContext = NO_PRIOR_VOLUME): string[] {
  let ctx = start;
  return fills.map((f) => {
    const fee = m.fee(f, ctx);
    ctx = advanceFeeContext(ctx, f);
    return fee.toString();
  });
}
const sum = (xs: string[]) => xs.reduce((a, x) => a.plus(x), d(0)).toString();

const IBKR_TIERS = [
  { upToShares: '300000', perShare: '0.0035' },
  { upToShares: '3000000', perShare: '0.002' },
  { upToShares: '20000000', perShare: '0.0015' },
  { upToShares: '100000000', perShare: '0.001' },
  { perShare: '0.0005' },
];
const ibkr = (addOns: unknown[] = []) =>
  model({
    commission: {
      kind: 'marginal_share_tiers',
      tiers: IBKR_TIERS,
      minimum: '0.35',
      maxPercentOfNotional: '0.01',
    },
    addOns,
  });

describe('percent of notional with a minimum', () => {
  const m = model({ commission: { kind: 'percent', rate: '0.001', minimum: '1' } });

  it('charges rate × filled notional', () => {
    // 100 × 50 = 5,000 × 0.001 = 5
    expect(m.fee(fill(100, 50), NO_PRIOR_VOLUME).toString()).toBe('5');
  });

  it('charges the minimum on a small order', () => {
    // 5 × 50 = 250 × 0.001 = 0.25 < 1 → 1
    expect(m.fee(fill(5, 50), NO_PRIOR_VOLUME).toString()).toBe('1');
  });
});

describe('per share with minimum and a notional cap (SPEC §12: filled, not ordered, quantity)', () => {
  const m = model({
    commission: { kind: 'per_share', perShare: '0.005', minimum: '1', maxPercentOfNotional: '0.01' },
  });

  it('partial fills: per-fill fees sum to the fee on the filled quantity, not the order quantity', () => {
    // Order 1,000 @ 10, only 400 fill (100 then 300).
    // fill 1: cumulative 100 × 0.005 = 0.50 → minimum 1.00            → 1.00
    // fill 2: cumulative 400 × 0.005 = 2.00; minus 1.00 already charged → 1.00
    const fees = chargeSequence(m, [fill(100, 10), fill(300, 10)]);
    expect(fees).toEqual(['1', '1']);
    expect(sum(fees)).toBe('2');
    // One fill of the same 400 shares costs the same: 400 × 0.005 = 2.00.
    expect(m.fee(fill(400, 10), NO_PRIOR_VOLUME).toString()).toBe('2');
    // The §12 defect would charge the order quantity: 1,000 × 0.005 = 5.00.
    expect(sum(fees)).not.toBe(m.fee(fill(1000, 10), NO_PRIOR_VOLUME).toString());
    // And a per-fill minimum would overcharge: 1.00 + 1.50 = 2.50.
    expect(sum(fees)).not.toBe('2.5');
  });

  it('caps at a percentage of notional, even below the minimum', () => {
    // 100 × 0.50 = 50 notional; 100 × 0.005 = 0.50 → min 1.00 → cap 1% × 50 = 0.50
    expect(m.fee(fill(100, '0.5'), NO_PRIOR_VOLUME).toString()).toBe('0.5');
  });
});

describe('maker/taker', () => {
  const m = model({ commission: { kind: 'maker_taker', makerRate: '-0.0001', takerRate: '0.0004' } });

  it('charges the taker rate and rebates the maker', () => {
    // 2 × 30,000 = 60,000: taker × 0.0004 = 24; maker × −0.0001 = −6 (rebate)
    expect(m.fee(fill(2, 30000), NO_PRIOR_VOLUME).toString()).toBe('24');
    expect(m.fee(fill(2, 30000, { liquidity: 'maker' }), NO_PRIOR_VOLUME).toString()).toBe('-6');
  });
});

describe('tiered by notional volume', () => {
  const tiers = [
    { fromNotional: '0', rate: '0.001' },
    { fromNotional: '1000000', rate: '0.0008' },
    { fromNotional: '10000000', rate: '0.0005' },
  ];
  const m = model({ commission: { kind: 'tiered_notional', basis: 'month', tiers } });
  const withMonth = (v: string): FeeContext => ({ ...NO_PRIOR_VOLUME, monthNotional: d(v) });

  it('picks the rate of the tier the month-to-date volume reached', () => {
    // fill notional 100 × 100 = 10,000
    expect(m.fee(fill(100, 100), withMonth('500000')).toString()).toBe('10'); // × 0.001
    expect(m.fee(fill(100, 100), withMonth('1000000')).toString()).toBe('8'); // boundary → × 0.0008
    expect(m.fee(fill(100, 100), withMonth('25000000')).toString()).toBe('5'); // × 0.0005
  });

  it('rejects a flat or unordered "tier" table (SPEC §12)', () => {
    const bad = (t: unknown) => () =>
      parseFeeSchedule({ commission: { kind: 'tiered_notional', basis: 'month', tiers: t } });
    expect(bad([{ fromNotional: '0', rate: '0.001' }])).toThrow(/at least two tiers/);
    expect(bad([tiers[0], tiers[2], tiers[1]])).toThrow(/ascending/);
    expect(bad([tiers[1], tiers[2]])).toThrow(/start at 0/);
  });

  it('order basis requires the order notional', () => {
    const byOrder = model({ commission: { kind: 'tiered_notional', basis: 'order', tiers } });
    expect(() => byOrder.fee(fill(1, 1), NO_PRIOR_VOLUME)).toThrow(/orderNotional/);
    // order of 2,000,000 notional → tier 0.0008; this fill 10,000 × 0.0008 = 8
    expect(byOrder.fee(fill(100, 100), { ...NO_PRIOR_VOLUME, orderNotional: d(2_000_000) }).toString()).toBe(
      '8',
    );
  });
});

describe('IBKR-style marginal share tiers with add-ons', () => {
  const at = (monthShares: number): FeeContext => ({ ...NO_PRIOR_VOLUME, monthShares: d(monthShares) });

  it('splits a fill that crosses a tier boundary', () => {
    // month 299,000 + 2,000 @ 20: 1,000 × 0.0035 = 3.50 + 1,000 × 0.002 = 2.00 → 5.50
    // (flat at the starting tier would be 2,000 × 0.0035 = 7.00)
    expect(ibkr().fee(fill(2000, 20), at(299_000)).toString()).toBe('5.5');
  });

  it('applies the minimum, then the 1% notional cap', () => {
    // 10 × 0.0035 = 0.035 → min 0.35 @ price 100; at price 1: cap 1% × 10 = 0.10
    expect(ibkr().fee(fill(10, 100), at(0)).toString()).toBe('0.35');
    expect(ibkr().fee(fill(10, 1), at(0)).toString()).toBe('0.1');
  });

  it('partial fills across a boundary sum to the single-fill fee', () => {
    // Month starts at 299,500. fill 1: 400 × 0.0035 = 1.40
    // fill 2: cumulative 800 = 500 × 0.0035 + 300 × 0.002 = 1.75 + 0.60 = 2.35; − 1.40 → 0.95
    const fees = chargeSequence(ibkr(), [fill(400, 10), fill(400, 10)], at(299_500));
    expect(fees).toEqual(['1.4', '0.95']);
    expect(ibkr().fee(fill(800, 10), at(299_500)).toString()).toBe(sum(fees));
  });

  const addOns = [
    { kind: 'per_share', name: 'clearing', rate: '0.0002' },
    { kind: 'per_notional', name: 'sec', rate: '0.0000278', sides: 'sell' },
    { kind: 'per_share', name: 'finra_taf', rate: '0.000166', sides: 'sell', maxPerOrder: '8.30' },
  ];

  it('adds clearing on both sides and SEC + FINRA TAF on sells only', () => {
    // commission 5.50 (above); clearing 2,000 × 0.0002 = 0.40
    // SEC 40,000 × 0.0000278 = 1.112; TAF 2,000 × 0.000166 = 0.332
    expect(ibkr(addOns).fee(fill(2000, 20), at(299_000)).toString()).toBe('5.9'); // 5.50 + 0.40
    const sell = fill(2000, 20, { side: 'sell' });
    expect(ibkr(addOns).fee(sell, at(299_000)).toString()).toBe('7.344'); // + 1.112 + 0.332
  });

  it('caps FINRA TAF per order across fills', () => {
    const taf = model({ commission: { kind: 'percent', rate: '0' }, addOns: [addOns[2]] });
    // 40,000 × 0.000166 = 6.64; cumulative 60,000 → 9.96 capped 8.30 → 8.30 − 6.64 = 1.66
    const fees = chargeSequence(taf, [fill(40000, 5, { side: 'sell' }), fill(20000, 5, { side: 'sell' })]);
    expect(fees).toEqual(['6.64', '1.66']);
  });

  it('rejects month volume that does not include the order’s earlier fills', () => {
    const ctx = { ...NO_PRIOR_VOLUME, orderFilledQty: d(10), orderFilledNotional: d(100) };
    expect(() => ibkr().fee(fill(1, 10), ctx)).toThrow(/monthShares/);
  });
});

describe('borrow fee', () => {
  it('accrues annualRate × notional × days / 360 (or 365)', () => {
    // 0.05 × 100,000 × 36 / 360 = 500; short notional sign does not matter
    expect(
      borrowFee(borrowFeeSchema.parse({ kind: 'borrow', annualRate: '0.05' }), d(-100000), 36).toString(),
    ).toBe('500');
    // 0.05 × 100,000 × 73 / 365 = 1,000
    const act365 = borrowFeeSchema.parse({ kind: 'borrow', annualRate: '0.05', dayCount: 365 });
    expect(borrowFee(act365, d(100000), 73).toString()).toBe('1000');
  });
});

describe('schedule parsing', () => {
  it('rejects unknown keys and kinds', () => {
    expect(() => parseFeeSchedule({ commission: { kind: 'percent', rate: '0.1', minimun: '1' } })).toThrow();
    expect(() => parseFeeSchedule({ commission: { kind: 'flat', fee: '1' } })).toThrow();
    expect(() => parseFeeSchedule({ commission: { kind: 'percent', rate: '0.1' }, extra: 1 })).toThrow();
  });

  it('rejects a zero-quantity fill', () => {
    expect(() =>
      model({ commission: { kind: 'percent', rate: '0.1' } }).fee(fill(0, 1), NO_PRIOR_VOLUME),
    ).toThrow(RangeError);
  });
});
