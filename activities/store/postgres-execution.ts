/**
 * Execution repos on PostgreSQL (SPEC §8): the simulated venue's book, kill
 * switches and the audit trail. A matching step locks its order row (and then
 * its balance rows, in currency order) for the length of one transaction, so
 * concurrent steps on one order run one after the other.
 */
import type { Pool, PoolClient } from 'pg';
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
import { inTransaction } from './postgres-transaction';

const placeholders = (count: number): string =>
  Array.from({ length: count }, (_, i) => `$${i + 1}`).join(', ');

// A sequence number is spent even when the insert conflicts; gaps in venue order ids are harmless.
const INSERT_ORDER = `INSERT INTO sim_orders (${SIM_ORDER_COLUMNS.join(', ')}, seq, venue_order_id)
  SELECT ${placeholders(SIM_ORDER_COLUMNS.length)}, n.seq, 'sim-' || n.seq::text
  FROM (SELECT nextval('sim_order_seq') AS seq) n
  ON CONFLICT (account, client_order_id) DO NOTHING
  RETURNING *`;
const SELECT_ORDER = 'SELECT * FROM sim_orders WHERE account = $1 AND client_order_id = $2';
const UPDATE_ORDER = `UPDATE sim_orders SET ${SIM_ORDER_MUTABLE.map((c, i) => `${c} = $${i + 3}`).join(', ')}
  WHERE account = $1 AND client_order_id = $2 RETURNING *`;
const INSERT_TRADE = `INSERT INTO sim_trades (${SIM_TRADE_COLUMNS.join(', ')})
  VALUES (${placeholders(SIM_TRADE_COLUMNS.length)}) ON CONFLICT (account, trade_id) DO NOTHING`;
// Rows first (a concurrent first insert makes us wait, then a new statement sees it), then lock them in order.
const ENSURE_BALANCES = `INSERT INTO sim_balances (account, currency, total)
  SELECT $1, currency, '0' FROM unnest($2::text[]) AS currency ON CONFLICT DO NOTHING`;
const LOCK_BALANCES = `SELECT currency, total FROM sim_balances
  WHERE account = $1 AND currency = ANY($2::text[]) ORDER BY currency FOR UPDATE`;
const SET_BALANCES = `UPDATE sim_balances b SET total = v.total
  FROM unnest($2::text[], $3::text[]) AS v(currency, total)
  WHERE b.account = $1 AND b.currency = v.currency`;

type Step = (row: SimOrderRow) => SimOrderStep | undefined;

export class PostgresSimBook implements SimBook {
  constructor(private readonly pool: Pool) {}

  async insertOrder(row: Omit<SimOrderRow, 'venueOrderId'>): Promise<{ created: boolean; row: SimOrderRow }> {
    const values = simOrderToRow(row);
    const inserted = await this.pool.query<SimOrderDbRow>(
      INSERT_ORDER,
      SIM_ORDER_COLUMNS.map((column) => values[column]),
    );
    if (inserted.rows[0]) return { created: true, row: simOrderFromRow(inserted.rows[0]) };
    // Orders are never deleted, so the row that beat us is still there.
    const existing = await this.getOrder(row.account, row.clientOrderId);
    if (!existing) throw new Error(`sim order ${row.clientOrderId} conflicted but is not stored`);
    return { created: false, row: existing };
  }

  async getOrder(account: string, clientOrderId: string): Promise<SimOrderRow | undefined> {
    const { rows } = await this.pool.query<SimOrderDbRow>(SELECT_ORDER, [account, clientOrderId]);
    return rows[0] && simOrderFromRow(rows[0]);
  }

  async mutateOrder(account: string, clientOrderId: string, step: Step): Promise<SimOrderRow | undefined> {
    // inTransaction rolls back whatever throws inside, the caller's step included.
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<SimOrderDbRow>(`${SELECT_ORDER} FOR UPDATE`, [
        account,
        clientOrderId,
      ]);
      if (!rows[0]) return undefined;
      const current = simOrderFromRow(rows[0]);
      const change = step(current);
      if (!change) return current;
      assertSameOrder(current, change.row);
      const values = simOrderToRow(change.row);
      const updated = await client.query<SimOrderDbRow>(UPDATE_ORDER, [
        account,
        clientOrderId,
        ...SIM_ORDER_MUTABLE.map((column) => values[column]),
      ]);
      for (const trade of change.trades) await insertTrade(client, trade);
      await addToBalances(client, account, change.balanceDeltas);
      return simOrderFromRow(updated.rows[0] as SimOrderDbRow);
    });
  }

  async trades(account: string, clientOrderId: string): Promise<SimTradeRow[]> {
    const { rows } = await this.pool.query<SimTradeDbRow>(
      'SELECT * FROM sim_trades WHERE account = $1 AND client_order_id = $2 ORDER BY ts, seq',
      [account, clientOrderId],
    );
    return rows.map(simTradeFromRow);
  }

  async openOrders(account: string, symbol?: string): Promise<SimOrderRow[]> {
    const { rows } = await this.pool.query<SimOrderDbRow>(
      `SELECT * FROM sim_orders WHERE account = $1 AND status = 'open' AND ($2::text IS NULL OR symbol = $2)
       ORDER BY created_ts, seq`,
      [account, symbol ?? null],
    );
    return rows.map(simOrderFromRow);
  }

  async seedBalances(account: string, totals: Record<string, string>): Promise<void> {
    const currencies = Object.keys(totals).sort();
    await inTransaction(this.pool, async (client) => {
      // There may be no row to lock yet: two first seeds of one account queue on this instead.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`qmtl.sim_balances:${account}`]);
      const seeded = await client.query('SELECT 1 FROM sim_balances WHERE account = $1 LIMIT 1', [account]);
      if (seeded.rowCount !== 0) return;
      await client.query(
        `INSERT INTO sim_balances (account, currency, total) SELECT $1, * FROM unnest($2::text[], $3::text[])`,
        [account, currencies, currencies.map((currency) => totals[currency])],
      );
    });
  }

  async balances(account: string): Promise<Record<string, string>> {
    const { rows } = await this.pool.query<{ currency: string; total: string }>(
      'SELECT currency, total FROM sim_balances WHERE account = $1 ORDER BY currency',
      [account],
    );
    return Object.fromEntries(rows.map((row) => [row.currency, row.total]));
  }
}

async function insertTrade(client: PoolClient, trade: SimTradeRow): Promise<void> {
  const values = simTradeToRow(trade);
  await client.query(
    INSERT_TRADE,
    SIM_TRADE_COLUMNS.map((column) => values[column]),
  );
}

/** Adds deltas to the account's totals in decimal.js: SQL would need numeric casts and could reformat the text. */
async function addToBalances(
  client: PoolClient,
  account: string,
  deltas: Record<string, string>,
): Promise<void> {
  const currencies = Object.keys(deltas).sort();
  if (currencies.length === 0) return;
  await client.query(ENSURE_BALANCES, [account, currencies]);
  const { rows } = await client.query<{ currency: string; total: string }>(LOCK_BALANCES, [
    account,
    currencies,
  ]);
  const next = addBalanceDeltas(Object.fromEntries(rows.map((row) => [row.currency, row.total])), deltas);
  await client.query(SET_BALANCES, [
    account,
    next.map(([currency]) => currency),
    next.map(([, total]) => total),
  ]);
}

export class PostgresKillSwitches implements KillSwitchRepo {
  constructor(private readonly pool: Pool) {}

  async put(record: KillSwitchRecord): Promise<void> {
    const row = killSwitchToRow(record);
    await this.pool.query(
      `INSERT INTO kill_switches (scope_key, scope, engaged, reason, flatten, changed_by, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (scope_key) DO UPDATE SET scope = excluded.scope, engaged = excluded.engaged,
         reason = excluded.reason, flatten = excluded.flatten, changed_by = excluded.changed_by,
         changed_at = excluded.changed_at`,
      [row.scope_key, row.scope, row.engaged, row.reason, row.flatten, row.changed_by, row.changed_at],
    );
  }

  async get(scopeKey: string): Promise<KillSwitchRecord | undefined> {
    const { rows } = await this.pool.query<KillSwitchDbRow>(
      'SELECT * FROM kill_switches WHERE scope_key = $1',
      [scopeKey],
    );
    return rows[0] && killSwitchFromRow(rows[0]);
  }

  async list(): Promise<KillSwitchRecord[]> {
    const { rows } = await this.pool.query<KillSwitchDbRow>('SELECT * FROM kill_switches ORDER BY scope_key');
    return rows.map(killSwitchFromRow);
  }
}

export class PostgresAudit implements AuditRepo {
  constructor(private readonly pool: Pool) {}

  async append(record: Omit<AuditRecord, 'seq'>): Promise<AuditRecord> {
    return inTransaction(this.pool, async (client) => {
      // One appender at a time, lock held to commit: seq order is then commit order, so a reader
      // paging with afterSeq never skips an event that commits after a higher seq it already saw.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['qmtl.audit_events']);
      const inserted = await client.query<AuditDbRow>(
        `INSERT INTO audit_events (event_key, at, actor, action, subject, detail)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_key) DO NOTHING RETURNING *`,
        [
          record.eventKey,
          record.at,
          record.actor,
          record.action,
          record.subject,
          JSON.stringify(record.detail),
        ],
      );
      const row =
        inserted.rows[0] ??
        (await client.query<AuditDbRow>('SELECT * FROM audit_events WHERE event_key = $1', [record.eventKey]))
          .rows[0];
      return auditFromRow(row as AuditDbRow);
    });
  }

  async list(options: { subject?: string; afterSeq?: number; limit: number }): Promise<AuditRecord[]> {
    const { subject, afterSeq, limit } = auditQuery(options);
    const { rows } = await this.pool.query<AuditDbRow>(
      `SELECT * FROM audit_events WHERE ($1::text IS NULL OR subject = $1) AND seq > $2
       ORDER BY seq LIMIT $3`,
      [subject, afterSeq, limit],
    );
    return rows.map(auditFromRow);
  }
}
