import Decimal from 'decimal.js';
import {
  alwaysShortable,
  createShortabilityProvider,
  neverShortable,
  parseShortabilityConfig,
} from '../../domain/brokerage/shortability';

const ts = Date.parse('2026-03-09T15:00:00Z');

describe('shortability providers', () => {
  it('always: unlimited; never: zero', () => {
    expect(alwaysShortable.borrowable('AAPL', ts).gte(new Decimal('1e12'))).toBe(true);
    expect(neverShortable.borrowable('AAPL', ts).isZero()).toBe(true);
  });

  it('static list: listed quantities, unlisted symbols not shortable', () => {
    const provider = createShortabilityProvider(
      parseShortabilityConfig({ kind: 'static', borrowable: { AAPL: '2500', TSLA: 'unlimited', GME: 0 } }),
    );
    expect(provider.borrowable('AAPL', ts).toString()).toBe('2500');
    expect(provider.borrowable('TSLA', ts).isFinite()).toBe(false);
    expect(provider.borrowable('GME', ts).isZero()).toBe(true);
    expect(provider.borrowable('MSFT', ts).isZero()).toBe(true);
  });

  it('rejects negative quantities and unknown kinds', () => {
    expect(() => parseShortabilityConfig({ kind: 'static', borrowable: { AAPL: -5 } })).toThrow();
    expect(() => parseShortabilityConfig({ kind: 'sometimes' })).toThrow();
    expect(() => parseShortabilityConfig({ kind: 'always', extra: true })).toThrow();
  });
});
