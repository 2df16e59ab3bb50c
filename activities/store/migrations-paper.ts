/**
 * Migration 8: each paper/live run's equity per bar (SPEC §4, §11). The
 * primary key (run_id, bar_close) makes a retried step write once; equity and
 * position are decimal text. The index serves "a strategy's newest curve in a
 * world".
 */
import type { Migration } from './migrations';

export const paperMigrations: readonly Migration[] = [
  {
    id: 8,
    name: 'paper_equity',
    sqlite: `
      CREATE TABLE paper_equity (
        run_id TEXT NOT NULL,
        bar_close INTEGER NOT NULL,
        strategy_id TEXT NOT NULL,
        world_id TEXT NOT NULL,
        equity TEXT NOT NULL,
        position TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (run_id, bar_close)
      ) STRICT;

      CREATE INDEX paper_equity_by_strategy ON paper_equity (world_id, strategy_id, bar_close);
    `,
    postgres: `
      CREATE TABLE paper_equity (
        run_id text NOT NULL,
        bar_close bigint NOT NULL,
        strategy_id text NOT NULL,
        world_id text NOT NULL,
        equity text NOT NULL,
        position text NOT NULL,
        recorded_at text NOT NULL,
        PRIMARY KEY (run_id, bar_close)
      );

      CREATE INDEX paper_equity_by_strategy ON paper_equity (world_id, strategy_id, bar_close);
    `,
  },
];
