/**
 * In-memory SimBook (activities/store/port.ts) for unit tests of the simulated
 * venue: the same contract as the SQL stores — venue order ids from a
 * sequence, one mutateOrder at a time, trade ids deduplicated, idempotent
 * seeding — without a database. Rows are copied in and out so a caller can
 * never change the book by editing an object it was handed.
 */
import type { SimBook, SimOrderRow, SimOrderStep, SimTradeRow } from '../../activities/store/port';
import { Dec } from '../../domain/execution/symbol';

const key = (account: string, clientOrderId: string) => JSON.stringify([account, clientOrderId]);

export class MemorySimBook implements SimBook {
  private readonly orders = new Map<string, SimOrderRow>();
  private readonly tradeRows: SimTradeRow[] = [];
  private readonly totals = new Map<string, Map<string, string>>();
  private sequence = 0;
  /** Serialises mutateOrder like the SQL stores' row lock. */
  private queue: Promise<unknown> = Promise.resolve();

  async insertOrder(row: Omit<SimOrderRow, 'venueOrderId'>): Promise<{ created: boolean; row: SimOrderRow }> {
    const existing = this.orders.get(key(row.account, row.clientOrderId));
    if (existing) return { created: false, row: { ...existing } };
    this.sequence += 1;
    const stored: SimOrderRow = { ...row, venueOrderId: `sim-${this.sequence}` };
    this.orders.set(key(row.account, row.clientOrderId), stored);
    return { created: true, row: { ...stored } };
  }

  async getOrder(account: string, clientOrderId: string): Promise<SimOrderRow | undefined> {
    const row = this.orders.get(key(account, clientOrderId));
    return row && { ...row };
  }

  mutateOrder(
    account: string,
    clientOrderId: string,
    step: (row: SimOrderRow) => SimOrderStep | undefined,
  ): Promise<SimOrderRow | undefined> {
    const run = this.queue.then(() => this.mutateNow(account, clientOrderId, step));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async trades(account: string, clientOrderId: string): Promise<SimTradeRow[]> {
    return this.tradeRows
      .filter((t) => t.account === account && t.clientOrderId === clientOrderId)
      .map((t) => ({ ...t }));
  }

  async openOrders(account: string, symbol?: string): Promise<SimOrderRow[]> {
    return [...this.orders.values()]
      .filter(
        (o) => o.account === account && o.status === 'open' && (symbol === undefined || o.symbol === symbol),
      )
      .sort((a, b) => a.createdTs - b.createdTs)
      .map((o) => ({ ...o }));
  }

  async seedBalances(account: string, totals: Record<string, string>): Promise<void> {
    if (this.totals.has(account)) return;
    this.totals.set(account, new Map(Object.entries(totals)));
  }

  async balances(account: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.totals.get(account) ?? []);
  }

  /** Every order row, for assertions ("still one order"). */
  allOrders(): SimOrderRow[] {
    return [...this.orders.values()].map((o) => ({ ...o }));
  }

  private mutateNow(
    account: string,
    clientOrderId: string,
    step: (row: SimOrderRow) => SimOrderStep | undefined,
  ): SimOrderRow | undefined {
    const current = this.orders.get(key(account, clientOrderId));
    if (!current) return undefined;
    const change = step({ ...current });
    if (!change) return { ...current };
    // Computed fully before anything is written: a throw leaves the book as it was.
    const fresh = change.trades.filter((t) => !this.tradeRows.some((s) => s.tradeId === t.tradeId));
    const totals = new Map(this.totals.get(account) ?? []);
    for (const [currency, delta] of Object.entries(change.balanceDeltas)) {
      totals.set(currency, new Dec(totals.get(currency) ?? 0).plus(delta).toFixed());
    }
    const row = { ...change.row, account, clientOrderId, venueOrderId: current.venueOrderId };
    this.orders.set(key(account, clientOrderId), row);
    this.tradeRows.push(...fresh.map((t) => ({ ...t })));
    this.totals.set(account, totals);
    return { ...row };
  }
}
