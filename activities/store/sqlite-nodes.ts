/**
 * The node registry on SQLite (SPEC §6): every node id ever submitted, kept
 * as first seen. One IMMEDIATE transaction per registerAll, so concurrent
 * registrations of overlapping node sets see each id created exactly once.
 */
import type Database from 'better-sqlite3';
import type { NodeRecord, NodeRepo, TagMatchMode } from './port';
import { type NodeRow, distinctNodes, nodeFromRow } from './rows';
import type { Prepare } from './sqlite';

const INSERT_NODE = `INSERT INTO nodes (node_id, node_type, interval, period, params_json, dependencies,
    schema_compat_id, code_hash, tags, first_strategy_id, created_at)
  VALUES (@nodeId, @nodeType, @interval, @period, @paramsJson, @dependencies,
    @schemaCompatId, @codeHash, @tags, @firstStrategyId, @createdAt)
  ON CONFLICT (node_id) DO NOTHING`;

// How many distinct query tags a node carries; `any` needs one, `all` needs every one.
const FIND_BY_TAGS = `SELECT * FROM nodes
  WHERE (SELECT count(DISTINCT t.value) FROM json_each(nodes.tags) AS t
         WHERE t.value IN (SELECT value FROM json_each(@tags))) >= @needed
    AND (@interval IS NULL OR interval = @interval)
  ORDER BY node_id`;

export class SqliteNodes implements NodeRepo {
  private readonly registerOnce: Database.Transaction<(nodes: NodeRecord[]) => string[]>;

  constructor(
    db: Database.Database,
    private readonly prepare: Prepare,
  ) {
    this.registerOnce = db.transaction((nodes) => {
      const insert = prepare(INSERT_NODE);
      return nodes.flatMap((node) => {
        const params = {
          ...node,
          dependencies: JSON.stringify(node.dependencies),
          tags: JSON.stringify(node.tags),
        };
        return insert.run(params).changes === 1 ? [node.nodeId] : [];
      });
    });
  }

  async registerAll(nodes: NodeRecord[]): Promise<string[]> {
    return this.registerOnce.immediate(distinctNodes(nodes));
  }

  async get(nodeId: string): Promise<NodeRecord | undefined> {
    const row = this.prepare('SELECT * FROM nodes WHERE node_id = ?').get(nodeId) as NodeRow | undefined;
    return row && nodeFromRow(row);
  }

  async known(nodeIds: string[]): Promise<Set<string>> {
    // One JSON array parameter instead of a variable-length IN list: one cached statement for any count.
    const ids = this.prepare(
      'SELECT node_id FROM nodes WHERE node_id IN (SELECT value FROM json_each(?))',
    ).all(JSON.stringify(nodeIds)) as Array<{ node_id: string }>;
    return new Set(ids.map((row) => row.node_id));
  }

  async findByTags(tags: string[], matchMode: TagMatchMode, interval?: number): Promise<NodeRecord[]> {
    const wanted = [...new Set(tags)];
    if (wanted.length === 0) return [];
    const rows = this.prepare(FIND_BY_TAGS).all({
      tags: JSON.stringify(wanted),
      needed: matchMode === 'all' ? wanted.length : 1,
      interval: interval ?? null,
    }) as NodeRow[];
    return rows.map(nodeFromRow);
  }
}
