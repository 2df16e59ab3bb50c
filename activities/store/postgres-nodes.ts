/**
 * The node registry on PostgreSQL (SPEC §6). registerAll is one
 * INSERT ... ON CONFLICT DO NOTHING over arrays: a concurrent registration
 * of the same id waits for the first and skips it, so each id is reported
 * new exactly once however many Gateways register at the same time.
 */
import type { Pool } from 'pg';
import type { NodeRecord, NodeRepo, TagMatchMode } from './port';
import { type NodeRow, distinctNodes, nodeFromRow } from './rows';

const NODE_COLUMNS = `node_id, node_type, interval, period, params_json, dependencies::text AS dependencies,
  schema_compat_id, code_hash, tags::text AS tags, first_strategy_id, created_at`;

// Inserting in node_id order makes overlapping concurrent registrations take
// their row locks in the same order, so they queue instead of deadlocking.
const REGISTER_NODES = `INSERT INTO nodes (node_id, node_type, interval, period, params_json, dependencies,
    schema_compat_id, code_hash, tags, first_strategy_id, created_at)
  SELECT n.node_id, n.node_type, n.interval, n.period, n.params_json, n.dependencies::jsonb,
    n.schema_compat_id, n.code_hash, n.tags::jsonb, n.first_strategy_id, n.created_at
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
    AS n(node_id, node_type, interval, period, params_json, dependencies,
      schema_compat_id, code_hash, tags, first_strategy_id, created_at)
  ORDER BY n.node_id
  ON CONFLICT (node_id) DO NOTHING
  RETURNING node_id`;

// jsonb `?|` (has any of) and `?&` (has all of) over the text array of query tags.
const findByTags = (operator: '?|' | '?&') => `SELECT ${NODE_COLUMNS} FROM nodes
  WHERE tags ${operator} $1::text[] AND ($2::bigint IS NULL OR interval = $2::bigint)
  ORDER BY node_id COLLATE "C"`;

const FIND_BY_TAGS: Record<TagMatchMode, string> = { any: findByTags('?|'), all: findByTags('?&') };

export class PostgresNodes implements NodeRepo {
  constructor(private readonly pool: Pool) {}

  async registerAll(nodes: NodeRecord[]): Promise<string[]> {
    const distinct = distinctNodes(nodes);
    if (distinct.length === 0) return [];
    const { rows } = await this.pool.query<{ node_id: string }>(REGISTER_NODES, [
      distinct.map((n) => n.nodeId),
      distinct.map((n) => n.nodeType),
      distinct.map((n) => n.interval),
      distinct.map((n) => n.period),
      distinct.map((n) => n.paramsJson),
      distinct.map((n) => JSON.stringify(n.dependencies)),
      distinct.map((n) => n.schemaCompatId),
      distinct.map((n) => n.codeHash),
      distinct.map((n) => JSON.stringify(n.tags)),
      distinct.map((n) => n.firstStrategyId),
      distinct.map((n) => n.createdAt),
    ]);
    // RETURNING order follows the sort; report in the caller's order.
    const created = new Set(rows.map((row) => row.node_id));
    return distinct.filter((n) => created.has(n.nodeId)).map((n) => n.nodeId);
  }

  async get(nodeId: string): Promise<NodeRecord | undefined> {
    const { rows } = await this.pool.query<NodeRow>(`SELECT ${NODE_COLUMNS} FROM nodes WHERE node_id = $1`, [
      nodeId,
    ]);
    return rows[0] && nodeFromRow(rows[0]);
  }

  async known(nodeIds: string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ node_id: string }>(
      'SELECT node_id FROM nodes WHERE node_id = ANY($1::text[])',
      [nodeIds],
    );
    return new Set(rows.map((row) => row.node_id));
  }

  async findByTags(tags: string[], matchMode: TagMatchMode, interval?: number): Promise<NodeRecord[]> {
    const wanted = [...new Set(tags)];
    if (wanted.length === 0) return [];
    const { rows } = await this.pool.query<NodeRow>(FIND_BY_TAGS[matchMode], [wanted, interval ?? null]);
    return rows.map(nodeFromRow);
  }
}
