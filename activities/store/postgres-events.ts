/**
 * The ControlBus event log on PostgreSQL (SPEC §10). Publishers take one
 * advisory lock until commit, as the audit trail does: a bigserial is drawn
 * before commit, so without it a reader paging by afterSeq could see seq 8,
 * move past it, and never see seq 7 committing a moment later.
 */
import type { Pool } from 'pg';
import type { EventInput, EventRecord, EventRepo } from './port';
import { inTransaction } from './postgres-transaction';
import { type EventDbRow, eventFromRow, eventQuery, eventValues } from './sqlite-events';

export class PostgresEvents implements EventRepo {
  constructor(private readonly pool: Pool) {}

  async publish(event: EventInput): Promise<EventRecord> {
    const v = eventValues(event);
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['qmtl.events']);
      const inserted = await client.query<EventDbRow>(
        `INSERT INTO events (event_key, topic, world_id, ordering_key, payload, at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_key) DO NOTHING RETURNING *`,
        [v.event_key, v.topic, v.world_id, v.ordering_key, v.payload, v.at],
      );
      const row =
        inserted.rows[0] ??
        (await client.query<EventDbRow>('SELECT * FROM events WHERE event_key = $1', [v.event_key])).rows[0];
      return eventFromRow(row as EventDbRow);
    });
  }

  async read(options: Parameters<EventRepo['read']>[0]): Promise<EventRecord[]> {
    const { afterSeq, topics, worldId, limit } = eventQuery(options);
    const { rows } = await this.pool.query<EventDbRow>(
      `SELECT * FROM events WHERE seq > $1
         AND ($2::text[] IS NULL OR topic = ANY($2::text[]))
         AND ($3::text IS NULL OR world_id = $3)
       ORDER BY seq LIMIT $4`,
      [afterSeq, topics, worldId, limit],
    );
    return rows.map(eventFromRow);
  }
}
