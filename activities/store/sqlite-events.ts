/**
 * The ControlBus event log on SQLite (SPEC §10). SQLite has one writer at a
 * time, so AUTOINCREMENT seqs are handed out in commit order and a reader
 * paging by afterSeq never skips a late commit. Row mapping and option checks
 * live here and are shared with the PostgreSQL repo.
 */
import type Database from 'better-sqlite3';
import type { EventInput, EventRecord, EventRepo } from './port';
import type { Prepare } from './sqlite';

/** PostgreSQL returns bigint as text, SQLite as a number. */
export interface EventDbRow {
  seq: number | string;
  event_key: string;
  topic: string;
  world_id: string | null;
  ordering_key: string;
  payload: string;
  at: string;
}

export function eventFromRow(row: EventDbRow): EventRecord {
  return {
    seq: Number(row.seq),
    eventKey: row.event_key,
    topic: row.topic,
    ...(row.world_id === null ? {} : { worldId: row.world_id }),
    key: row.ordering_key,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    at: row.at,
  };
}

/** The column values of a publish, checked alike for both stores. */
export function eventValues(event: EventInput) {
  if (event.payload === null || typeof event.payload !== 'object' || Array.isArray(event.payload))
    throw new TypeError(`event payload must be a JSON object (event ${event.eventKey})`);
  return {
    event_key: event.eventKey,
    topic: event.topic,
    world_id: event.worldId ?? null,
    ordering_key: event.key,
    payload: JSON.stringify(event.payload),
    at: event.at ?? new Date().toISOString(),
  };
}

export interface EventQuery {
  afterSeq: number;
  /** null: every topic. */
  topics: string[] | null;
  worldId: string | null;
  limit: number;
}

/** Read options, checked alike for both stores. */
export function eventQuery(options: Parameters<EventRepo['read']>[0]): EventQuery {
  const { afterSeq, limit } = options;
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0 || !Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`event read needs afterSeq >= 0 and limit >= 1, got ${afterSeq}/${limit}`);
  return {
    afterSeq,
    topics: options.topics && options.topics.length > 0 ? [...options.topics] : null,
    worldId: options.worldId ?? null,
    limit,
  };
}

export class SqliteEvents implements EventRepo {
  private readonly publishOnce: Database.Transaction<(event: EventInput) => EventDbRow>;

  constructor(
    db: Database.Database,
    private readonly prepare: Prepare,
  ) {
    this.publishOnce = db.transaction((event: EventInput) => {
      prepare(
        `INSERT INTO events (event_key, topic, world_id, ordering_key, payload, at)
         VALUES (@event_key, @topic, @world_id, @ordering_key, @payload, @at)
         ON CONFLICT (event_key) DO NOTHING`,
      ).run(eventValues(event));
      return prepare('SELECT * FROM events WHERE event_key = ?').get(event.eventKey) as EventDbRow;
    });
  }

  async publish(event: EventInput): Promise<EventRecord> {
    return eventFromRow(this.publishOnce.immediate(event));
  }

  async read(options: Parameters<EventRepo['read']>[0]): Promise<EventRecord[]> {
    const query = eventQuery(options);
    const rows = this.prepare(
      `SELECT * FROM events WHERE seq > @afterSeq
         AND (@topics IS NULL OR topic IN (SELECT value FROM json_each(@topics)))
         AND (@worldId IS NULL OR world_id = @worldId)
       ORDER BY seq LIMIT @limit`,
    ).all({ ...query, topics: query.topics && JSON.stringify(query.topics) }) as EventDbRow[];
    return rows.map(eventFromRow);
  }
}
