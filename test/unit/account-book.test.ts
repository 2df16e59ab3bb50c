import Decimal from 'decimal.js';
import { reserve } from '../../domain/brokerage/buying-power';
import { CRYPTO_SETTLEMENT, US_EQUITY_SETTLEMENT } from '../../domain/brokerage/settlement';
import {
  accountFromBalances,
  accountOfLedger,
  accountRulesFor,
  bookFill,
  decimalText,
  ledgerOfAccount,
  nextSettlementAt,
  orderRequestOf,
  rememberTrade,
  type BookedFill,
} from '../../domain/execution/account-book';

const t = (iso: string) => Date.parse(iso);
const fill = (over: Partial<BookedFill> = {}): BookedFill => ({
  orderId: 'o1',
  tradeId: 't1',
  symbol: 'BTC/USDT',
  side: 'buy',
  qty: '0.1',
  price: '60000.5',
  fee: '6.00005',
  ts: t('2026-03-02T12:00:00Z'),
  ...over,
});

describe('account book', () => {
  const balances = [
    { currency: 'USDT', total: '10000' },
    { currency: 'BTC', total: '0.5' },
    { currency: 'ETH', total: '0' },
  ];

  it('reads cash from the quote currency and positions from the other non-zero currencies', () => {
    const ledger = ledgerOfAccount(accountFromBalances(balances, 'USDT'));
    expect(ledger).toEqual({
      cash: { settled: '10000', unsettled: [] },
      positions: { 'BTC/USDT': '0.5' },
      reservations: [],
    });
  });

  it('books a crypto buy at once: position up, cash down by notional and fee, reservation consumed', () => {
    const rules = accountRulesFor('sim');
    const account = accountFromBalances([{ currency: 'USDT', total: '20000' }], 'USDT');
    const request = orderRequestOf(
      { orderId: 'o1', symbol: 'BTC/USDT', side: 'buy', qty: '0.2', price: '60000.5', ts: 0 },
      rules,
    );
    const check = rules.buyingPower.check(account, request, {});
    if (!check.ok) throw new Error(check.detail);
    expect(decimalText(check.reserve.cash)).toBe('12012.1001'); // 12000.1 + 0.1 % taker fee
    const held = reserve(account, check.reserve);
    const after = ledgerOfAccount(bookFill(held, fill(), CRYPTO_SETTLEMENT, fill().ts));
    expect(after.cash).toEqual({ settled: '13993.94995', unsettled: [] }); // 20000 − 6000.05 − 6.00005
    expect(after.positions).toEqual({ 'BTC/USDT': '0.1' });
    expect(after.reservations).toEqual([
      { orderId: 'o1', symbol: 'BTC/USDT', side: 'buy', quantity: '0.1', cash: '6006.05005' },
    ]);
  });

  it('refuses a buy whose cost with the estimated fee exceeds cash', () => {
    const rules = accountRulesFor('sim');
    const account = accountFromBalances([{ currency: 'USDT', total: '1000' }], 'USDT');
    const request = orderRequestOf(
      { orderId: 'o2', symbol: 'BTC/USDT', side: 'buy', qty: '100', price: '10', ts: 0 },
      rules,
    );
    expect(rules.buyingPower.check(account, request, {})).toEqual({
      ok: false,
      reason: 'INSUFFICIENT_BUYING_POWER',
      detail: 'cost 1001 > available cash 1000',
    });
  });

  it('books a sell on a T+1 venue as unsettled proceeds that settle at local midnight', () => {
    const account = accountFromBalances(
      [
        { currency: 'USD', total: '100' },
        { currency: 'AAPL', total: '10' },
      ],
      'USD',
    );
    const sold = bookFill(
      account,
      fill({
        symbol: 'AAPL/USD',
        side: 'sell',
        qty: '10',
        price: '200.25',
        fee: '1',
        ts: t('2026-03-02T15:00:00Z'),
      }),
      US_EQUITY_SETTLEMENT,
      t('2026-03-02T15:00:00Z'),
    );
    expect(ledgerOfAccount(sold)).toEqual({
      cash: { settled: '100', unsettled: [{ amount: '2001.5', settlesOn: '2026-03-03' }] },
      positions: {},
      reservations: [],
    });
    expect(nextSettlementAt(sold, US_EQUITY_SETTLEMENT)).toBe(t('2026-03-03T05:00:00Z'));
    expect(nextSettlementAt(account, US_EQUITY_SETTLEMENT)).toBeNull();
  });

  it('sells down a position exactly, without float drift', () => {
    const account = accountFromBalances(
      [
        { currency: 'USDT', total: '0' },
        { currency: 'BTC', total: '0.3' },
      ],
      'USDT',
    );
    const once = bookFill(
      account,
      fill({ side: 'sell', qty: '0.1', price: '0.1', fee: '0' }),
      CRYPTO_SETTLEMENT,
      fill().ts,
    );
    const twice = bookFill(
      once,
      fill({ side: 'sell', qty: '0.2', price: '0.2', fee: '0' }),
      CRYPTO_SETTLEMENT,
      fill().ts,
    );
    expect(ledgerOfAccount(twice)).toEqual({
      cash: { settled: '0.05', unsettled: [] },
      positions: {},
      reservations: [],
    });
  });

  it('round-trips the wire form and never writes exponents', () => {
    const ledger = {
      cash: { settled: '0.00000001', unsettled: [{ amount: '-5.5', settlesOn: '2026-03-03' }] },
      positions: { 'BTC/USDT': '-0.000000123' },
      reservations: [{ orderId: 'o', symbol: 'BTC/USDT', side: 'sell' as const, quantity: '1', cash: '0' }],
    };
    expect(ledgerOfAccount(accountOfLedger(ledger))).toEqual(ledger);
    expect(decimalText(new Decimal('-0'))).toBe('0');
  });

  it('keeps the newest trade ids only', () => {
    expect(rememberTrade(['a', 'b', 'c'], 'd', 3)).toEqual(['b', 'c', 'd']);
    expect(rememberTrade([], 'a')).toEqual(['a']);
  });

  it('uses a cash model with no fee estimate for venues other than sim', () => {
    const rules = accountRulesFor('binance');
    expect(rules.settlement).toBe(CRYPTO_SETTLEMENT);
    const request = orderRequestOf(
      { orderId: 'o', symbol: 'BTC/USDT', side: 'buy', qty: '1', price: '100', ts: 0 },
      rules,
    );
    expect(decimalText(request.fee!)).toBe('0');
    const account = accountFromBalances([{ currency: 'USDT', total: '100' }], 'USDT');
    expect(rules.buyingPower.check(account, request, {}).ok).toBe(true);
  });
});
