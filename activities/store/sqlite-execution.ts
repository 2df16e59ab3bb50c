/**
 * Execution repos on SQLite (SPEC §8): the simulated venue's book, kill
 * switches and the audit trail. Every read-then-write is one IMMEDIATE
 * transaction, so processes sharing the file take turns instead of racing.
 */
import type Database from 'better-sqlite3';
import type {
  AuditRecord,
  AuditRepo,
  KillSwitchRecord,
  KillSwitchRepo,
  SimBook,
  SimOrderRow,
  SimOrderStep,
  SimTradeRow,
} from './port';
import {
  type AuditDbRow,
  type KillSwitchDbRow,
  SIM_ORDER_COLUMNS,
  SIM_ORDER_MUTABLE,
  SIM_TRADE_COLUMNS,
  type SimOrderDbRow,
  type SimTradeDbRow,
  addBalanceDeltas,
  assertSameOrder,
  auditFromRow,
  auditQuery,
  killSwitchFromRow,
  killSwitchToRow,
  simOrderFromRow,
  simOrderToRow,
  simTradeFromRow,
  simTradeToRow,
} from './execution-rows';
import type { Prepare } from './sqlite';

const named = (columns: readonly string[]): string => columns.map((c) => `@${c}`).join(', ');

const INSERT_ORDER = `INSERT INTO sim_orders (${SIM_ORDER_COLUMNS.join(', ')}, seq, venue_order_id)
  VALUES (${named(SIM_ORDER_COLUMNS)}, @seq, @venue_order_id)`;
const SELECT_ORDER = 'SELECT * FROM sim_orders WHERE account = ? AND client_order_id = ?';
const UPDATE_ORDER = `UPDATE sim_orders SET ${SIM_ORDER_MUTABLE.map((c) => `${c} = @${c}`).join(', ')}
  WHERE account = @account AND client_order_id = @client_order_id`;
const INSERT_TRADE = `INSERT INTO sim_trades (${SIM_TRADE_COLUMNS.join(', ')})
  VALUES (${named(SIM_TRADE_COLUMNS)}) ON CONFLICT (account, trade_id) DO NOTHING`;
const UPSERT_BALANCE = `INSERT INTO sim_balances (account, currency, total) VALUES (?, ?, ?)
  ON CONFLICT (account, currency) DO UPDATE SET total = excluded.total`;

type Step = (row: SimOrderRow) => SimOrderStep | undefined;

export class SqliteSimBook implements SimBook {
  private readonly insertOnce: Database.Transaction<
    (row: Omit<SimOrderRow, 'venueOrderId'>) => { created: boolean; row: SimOrderDbRow }
  >;
  private readonly mutateOnce: Database.Transaction<
    (account: string, clientOrderId: string, step: Step) => SimOrderDbRow | undefined
  >;
  private readonly seedOnce: Database.Transaction<(account: string, totals: Record<string, string>) => void>;

  constructor(
    db: Database.Database,
    private readonly prepare: Prepare,
  ) {
    this.insertOnce = db.transaction((row) => {
      const existing = this.orderRow(row.account, row.clientOrderId);
      if (existing) return { created: false, row: existing };
      // Under the write lock nobody else can take the next number.
      const { seq } = prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM sim_orders').get() as {
        seq: number;
      };
      // Named in TypeScript: better-sqlite3 binds numbers as REAL, so SQL would spell it 'sim-1.0'.
      prepare(INSERT_ORDER).run({ ...simOrderToRow(row), seq, venue_order_id: `sim-${seq}` });
      return { created: true, row: this.orderRow(row.account, row.clientOrderId) as SimOrderDbRow };
    });

    // A throwing step throws out of the transaction function, which rolls everything back.
    this.mutateOnce = db.transaction((account, clientOrderId, step) => {
      const stored = this.orderRow(account, clientOrderId);
      if (!stored) return undefined;
      const current = simOrderFromRow(stored);
      const change = step(current);
      if (!change) return stored;
      assertSameOrder(current, change.row);
      prepare(UPDATE_ORDER).run(simOrderToRow(change.row));
      for (const trade of change.trades) prepare(INSERT_TRADE).run(simTradeToRow(trade));
      this.addToBalances(account, change.balanceDeltas);
      return this.orderRow(account, clientOrderId);
    });

    this.seedOnce = db.transaction((account, totals) => {
      if (prepare('SELECT 1 FROM sim_balances WHERE account = ? LIMIT 1').get(account)) return;
      for (const [currency, total] of Object.entries(totals)) {
        prepare(UPSERT_BALANCE).run(account, currency, total);
      }
    });
  }

  async insertOrder(row: Omit<SimOrderRow, 'venueOrderId'>): Promise<{ created: boolean; row: SimOrderRow }> {
    const { created, row: stored } = this.insertOnce.immediate(row);
    return { created, row: simOrderFromRow(stored) };
  }

  async getOrder(account: string, clientOrderId: string): Promise<SimOrderRow | undefined> {
    const row = this.orderRow(account, clientOrderId);
    return row && simOrderFromRow(row);
  }

  async mutateOrder(account: string, clientOrderId: string, step: Step): Promise<SimOrderRow | undefined> {
    const row = this.mutateOnce.immediate(account, clientOrderId, step);
    return row && simOrderFromRow(row);
  }

  async trades(account: string, clientOrderId: string): Promise<SimTradeRow[]> {
    const rows = this.prepare(
      'SELECT * FROM sim_trades WHERE account = ? AND client_order_id = ? ORDER BY ts, rowid',
    ).all(account, clientOrderId) as SimTradeDbRow[];
    return rows.map(simTradeFromRow);
  }

  async openOrders(account: string, symbol?: string): Promise<SimOrderRow[]> {
    const rows = this.prepare(
      `SELECT * FROM sim_orders WHERE account = ? AND status = 'open' AND (? IS NULL OR symbol = ?)
       ORDER BY created_ts, seq`,
    ).all(account, symbol ?? null, symbol ?? null) as SimOrderDbRow[];
    return rows.map(simOrderFromRow);
  }

  async seedBalances(account: string, totals: Record<string, string>): Promise<void> {
    this.seedOnce.immediate(account, totals);
  }

  async balances(account: string): Promise<Record<string, string>> {
    const rows = this.prepare(
      'SELECT currency, total FROM sim_balances WHERE account = ? ORDER BY currency',
    ).all(account) as Array<{ currency: string; total: string }>;
    return Object.fromEntries(rows.map((row) => [row.currency, row.total]));
  }

  private orderRow(account: string, clientOrderId: string): SimOrderDbRow | undefined {
    return this.prepare(SELECT_ORDER).get(account, clientOrderId) as SimOrderDbRow | undefined;
  }

  private addToBalances(account: string, deltas: Record<string, string>): void {
    const totals: Record<string, string> = {};
    for (const currency of Object.keys(deltas)) {
      const row = this.prepare('SELECT total FROM sim_balances WHERE account = ? AND currency = ?').get(
        account,
        currency,
      ) as { total: string } | undefined;
      if (row) totals[currency] = row.total;
    }
    for (const [currency, total] of addBalanceDeltas(totals, deltas)) {
      this.prepare(UPSERT_BALANCE).run(account, currency, total);
    }
  }
}

export class SqliteKillSwitches implements KillSwitchRepo {
  constructor(private readonly prepare: Prepare) {}

  async put(record: KillSwitchRecord): Promise<void> {
    this.prepare(
      `INSERT INTO kill_switches (scope_key, scope, engaged, reason, flatten, changed_by, changed_at)
       VALUES (@scope_key, @scope, @engaged, @reason, @flatten, @changed_by, @changed_at)
       ON CONFLICT (scope_key) DO UPDATE SET scope = excluded.scope, engaged = excluded.engaged,
         reason = excluded.reason, flatten = excluded.flatten, changed_by = excluded.changed_by,
         changed_at = excluded.changed_at`,
    ).run(killSwitchToRow(record));
  }

  async get(scopeKey: string): Promise<KillSwitchRecord | undefined> {
    const row = this.prepare('SELECT * FROM kill_switches WHERE scope_key = ?').get(scopeKey) as
      KillSwitchDbRow | undefined;
    return row && killSwitchFromRow(row);
  }

  async list(): Promise<KillSwitchRecord[]> {
    const rows = this.prepare('SELECT * FROM kill_switches ORDER BY scope_key').all() as KillSwitchDbRow[];
    return rows.map(killSwitchFromRow);
  }
}

export class SqliteAudit implements AuditRepo {
  private readonly appendOnce: Database.Transaction<(record: Omit<AuditRecord, 'seq'>) => AuditDbRow>;

  constructor(
    db: Database.Database,
    private readonly prepare: Prepare,
  ) {
    this.appendOnce = db.transaction((record) => {
      prepare(
        `INSERT INTO audit_events (event_key, at, actor, action, subject, detail)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING`,
      ).run(
        record.eventKey,
        record.at,
        record.actor,
        record.action,
        record.subject,
        JSON.stringify(record.detail),
      );
      return prepare('SELECT * FROM audit_events WHERE event_key = ?').get(record.eventKey) as AuditDbRow;
    });
  }

  async append(record: Omit<AuditRecord, 'seq'>): Promise<AuditRecord> {
    return auditFromRow(this.appendOnce.immediate(record));
  }

  async list(options: { subject?: string; afterSeq?: number; limit: number }): Promise<AuditRecord[]> {
    const query = auditQuery(options);
    const rows = this.prepare(
      `SELECT * FROM audit_events WHERE (@subject IS NULL OR subject = @subject) AND seq > @afterSeq
       ORDER BY seq LIMIT @limit`,
    ).all(query) as AuditDbRow[];
    return rows.map(auditFromRow);
  }
}
