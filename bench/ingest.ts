/**
 * Ingest throughput of the backfill's inner loop (activities/backfill.ts):
 * a venue page → conformance → upsert into the store, in pages of 1,000 bars
 * as the sim serves them. Measured on SQLite and PostgreSQL, for new bars and
 * for a re-ingest of identical bars (what a retried page costs), and through
 * ccxt's own binance parser over an in-memory transport. Median of 5 runs.
 *
 *   npx tsx bench/ingest.ts            # writes bench/results/ingest.json
 *   QMTL_BENCH_DATABASE_URL=postgres://… npx tsx bench/ingest.ts
 *
 * Not a test: numbers depend on the machine, which the result file records.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ccxt from 'ccxt';
import { Client } from 'pg';
import { openStore } from '../activities/store';
import type { Store } from '../activities/store/port';
import { CcxtVenue } from '../activities/venues/ccxt';
import type { MarketDataVenue, RawOhlcv } from '../activities/venues/port';
import { SimVenue } from '../activities/venues/sim';
import { conformBars } from '../domain/data/conformance';
import { preloadMarkets } from '../test/support/ccxt-replay';
import { median, writeReport } from './harness';

const MINUTE = 60_000;
const PAGE = 1_000;
const PAGES = 100;
const BARS = PAGE * PAGES;
const RUNS = 5;
const START = Date.UTC(2024, 0, 1);
const NOW = Date.UTC(2026, 0, 1);
const DATABASE_URL =
  process.env.QMTL_BENCH_DATABASE_URL ??
  process.env.QMTL_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

interface Case {
  name: string;
  /** What one run does with its series id; returns bars ingested. */
  run(series: string): Promise<number>;
  /** Work before each run that is not timed (e.g. the first ingest a re-ingest repeats). */
  prepare?(series: string): Promise<void>;
}

interface CaseResult {
  name: string;
  bars_per_run: number;
  median_ms: number;
  median_bars_per_s: number;
  runs_ms: number[];
  skipped?: string;
}

/** Pages from a venue, fetched before timing so only what is measured is measured. */
async function pagesFrom(venue: MarketDataVenue): Promise<RawOhlcv[][]> {
  const pages: RawOhlcv[][] = [];
  for (let i = 0; i < PAGES; i++)
    pages.push(await venue.fetchOhlcvPage('BTC/USDT', '1m', START + i * PAGE * MINUTE, PAGE));
  return pages;
}

function conform(page: RawOhlcv[], since: number) {
  const frame = conformBars(page, {
    intervalMs: MINUTE,
    timestampUnit: 'ms',
    window: { start: since, end: since + (PAGE - 1) * MINUTE },
  });
  if (!frame.ok || frame.bars.length !== PAGE)
    throw new Error(`page ${since} did not conform: ${frame.failing}`);
  return frame.bars;
}

async function ingest(store: Store, series: string, pages: RawOhlcv[][]): Promise<number> {
  let bars = 0;
  for (let i = 0; i < pages.length; i++) {
    const conformed = conform(pages[i]!, START + i * PAGE * MINUTE);
    await store.bars.upsertBars(series, MINUTE, conformed);
    bars += conformed.length;
  }
  return bars;
}

/** Binance klines as the exchange sends them, for the sim's bars: ccxt parses every field. */
function binanceKlines(page: RawOhlcv[]): string {
  return JSON.stringify(
    page.map(([ts, o, h, l, c, v]) => [
      ts,
      `${o}`,
      `${h}`,
      `${l}`,
      `${c}`,
      `${v}`,
      ts + MINUTE - 1,
      '0',
      100,
      '0',
      '0',
      '0',
    ]),
  );
}

/** A real ccxt binance whose transport answers /api/v3/klines from memory (no network, no rate limiter). */
function ccxtBinance(pages: RawOhlcv[][]): CcxtVenue {
  const bodies = new Map(pages.map((page) => [page[0]![0], binanceKlines(page)]));
  const exchange = new ccxt.binance({ enableRateLimit: false });
  exchange.fetchImplementation = async (url: string) => {
    const since = Number(new URL(url).searchParams.get('startTime'));
    return new Response(bodies.get(since) ?? '[]', {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  preloadMarkets(exchange, 'binance');
  return new CcxtVenue(exchange, { pageLimit: PAGE, now: () => NOW });
}

async function measure(c: Case): Promise<CaseResult> {
  const runs: number[] = [];
  let bars = 0;
  for (let i = 0; i < RUNS; i++) {
    const series = `ohlcv:bench:${randomBytes(4).toString('hex')}:1m`;
    await c.prepare?.(series);
    const started = process.hrtime.bigint();
    bars = await c.run(series);
    runs.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const ms = median(runs);
  return {
    name: c.name,
    bars_per_run: bars,
    median_ms: Math.round(ms * 10) / 10,
    median_bars_per_s: Math.round((bars / ms) * 1000),
    runs_ms: runs.map((r) => Math.round(r * 10) / 10),
  };
}

function storeCases(label: string, store: Store, pages: RawOhlcv[][]): Case[] {
  return [
    { name: `${label}: conform + upsert (new bars)`, run: (s) => ingest(store, s, pages) },
    {
      name: `${label}: conform + upsert (identical bars again)`,
      prepare: async (s) => void (await ingest(store, s, pages)),
      run: (s) => ingest(store, s, pages),
    },
  ];
}

async function postgresStore(): Promise<{ store: Store; drop(): Promise<void> } | string> {
  const schema = `qmtl_bench_${randomBytes(4).toString('hex')}`;
  try {
    const store = await openStore({ databaseUrl: DATABASE_URL, home: os.tmpdir(), schema });
    return {
      store,
      async drop() {
        await store.close();
        const client = new Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      },
    };
  } catch (err) {
    return `PostgreSQL unreachable (${(err as Error).message})`;
  }
}

async function main(): Promise<void> {
  const pages = await pagesFrom(new SimVenue({ now: () => NOW }));
  const binance = ccxtBinance(pages);
  const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-bench-'));
  const sqlite = await openStore({ home });
  const postgres = await postgresStore();
  const results: CaseResult[] = [];
  try {
    const cases: Case[] = [
      {
        name: 'conformance only (no store)',
        run: async () => pages.reduce((n, page, i) => n + conform(page, START + i * PAGE * MINUTE).length, 0),
      },
      {
        name: 'ccxt binance parser only (in-memory transport)',
        run: async () => {
          let n = 0;
          for (let i = 0; i < PAGES; i++)
            n += (await binance.fetchOhlcvPage('BTC/USDT', '1m', START + i * PAGE * MINUTE, PAGE)).length;
          return n;
        },
      },
      ...storeCases('sqlite', sqlite, pages),
      {
        name: 'sqlite: ccxt binance parser + conform + upsert (new bars)',
        run: async (series) => {
          const parsed: RawOhlcv[][] = [];
          for (let i = 0; i < PAGES; i++)
            parsed.push(await binance.fetchOhlcvPage('BTC/USDT', '1m', START + i * PAGE * MINUTE, PAGE));
          return ingest(sqlite, series, parsed);
        },
      },
      ...(typeof postgres === 'string' ? [] : storeCases('postgres', postgres.store, pages)),
    ];
    for (const c of cases) {
      const result = await measure(c);
      results.push(result);
      console.log(
        `${result.name.padEnd(62)} ${String(result.median_bars_per_s).padStart(10)} bars/s  (median ${result.median_ms} ms)`,
      );
    }
    if (typeof postgres === 'string') {
      results.push({
        name: 'postgres',
        bars_per_run: 0,
        median_ms: 0,
        median_bars_per_s: 0,
        runs_ms: [],
        skipped: postgres,
      });
      console.log(`postgres: skipped, ${postgres}`);
    }
  } finally {
    await sqlite.close();
    rmSync(home, { recursive: true, force: true });
    if (typeof postgres !== 'string') await postgres.drop();
  }
  await writeReport('ingest', {
    setup: { bars_per_run: BARS, page_bars: PAGE, runs: RUNS, statistic: 'median' },
    results,
  });
}

void main();
