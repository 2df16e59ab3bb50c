/** Which trading venue an (exchange, account) gets (activities/venues/order-registry.ts). */
import { OrderVenueRegistry } from '../../activities/venues/order-registry';
import type { OrderVenue } from '../../activities/venues/order-port';
import { SimOrderVenue } from '../../activities/venues/sim-orders';
import type { Store } from '../../activities/store/port';
import { MemorySimBook } from '../support/memory-sim-book';

const store = { simBook: new MemorySimBook() } as unknown as Store;
const simStartingBalances = { USDT: '1000' };

describe('order venue registry', () => {
  it('one sim venue per account, whatever its name, kept across calls', async () => {
    const registry = new OrderVenueRegistry({ store, simStartingBalances, now: () => Date.UTC(2024, 0, 1) });
    const paper = registry.orderVenue('sim', 'paper');
    expect(paper).toBeInstanceOf(SimOrderVenue);
    expect(registry.orderVenue('sim', 'paper')).toBe(paper);
    expect(registry.orderVenue('sim', 'other')).not.toBe(paper);
    expect(registry.orderVenue('sim', 'other').account).toBe('other');
    expect(await paper.fetchBalances()).toEqual([
      { currency: 'USDT', free: '1000', used: '0', total: '1000' },
    ]);
  });

  it('real exchanges come from the factory, once per account', () => {
    const made: string[] = [];
    const createCcxtOrderVenue = (exchange: string, account: string) => {
      made.push(`${exchange}/${account}`);
      return { exchange, account } as unknown as OrderVenue;
    };
    const registry = new OrderVenueRegistry({ store, simStartingBalances, createCcxtOrderVenue });
    expect(registry.orderVenue('binance', 'main')).toBe(registry.orderVenue('binance', 'main'));
    expect(made).toEqual(['binance/main']);
  });

  it('refuses an exchange without a trading factory, and an account without credentials', () => {
    expect(() =>
      new OrderVenueRegistry({ store, simStartingBalances }).orderVenue('binance', 'main'),
    ).toThrow(
      expect.objectContaining({
        type: 'VenueRejected',
        details: [expect.objectContaining({ errorClass: 'NotSupported' })],
      }),
    );
    const registry = new OrderVenueRegistry({
      store,
      simStartingBalances,
      credentials: { get: () => undefined },
      createCcxtOrderVenue: () => ({}) as OrderVenue,
    });
    expect(() => registry.orderVenue('binance', 'main')).toThrow(/QMTL_VENUE_BINANCE_MAIN_API_KEY/);
  });
});
