/**
 * The data plane over HTTP (SPEC §5, §7): start and watch backfills, read a
 * node's coverage and bars. A node is resolved through the node registry to
 * the series it reads; the rule for that lives in domain/data/input-node.ts.
 * Backfills are workflows (api/temporal-client.ts); bars come from the store.
 */
import { z } from 'zod';
import type { BarRow, NodeRecord, Store } from '../../activities/store/port';
import type { BarRange, OhlcvSource } from '../../domain/data/bars';
import { isAligned } from '../../domain/data/coverage';
import { seriesOfNode } from '../../domain/data/input-node';
import { NODE_ID_PATTERN } from '../../domain/dag/schema';
import { ProblemError, validationError } from '../errors';
import { defineRoute, type RouteSpec } from '../route';
import type { BackfillAction, BackfillControl, BackfillView } from '../temporal-client';

/** One read answers at most this many bars; larger spans are read in pages (the CLI export does). */
export const MAX_BARS_PER_READ = 100_000;

const CSV_CONTENT_TYPE = 'text/csv';
const nodeIdSchema = z
  .string()
  .regex(NODE_ID_PATTERN, 'must be "blake3:" followed by 64 lowercase hex digits');
const BACKFILL_ID_PATTERN = /^backfill:(blake3:[0-9a-f]{64}):(\d{1,16}):(\d{1,16})$/;
const backfillIdSchema = z.string().regex(BACKFILL_ID_PATTERN, 'must be backfill:{node_id}:{start}:{end}');

/** Epoch ms, or ISO-8601 (a date, or a date-time with Z or an offset). */
const isoInstant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const instant = z
  .union([z.number().int().min(0).max(8.64e15), isoInstant])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .meta({ description: 'Epoch milliseconds or ISO-8601', example: '2025-01-01T00:00:00Z' });
/** The same in a query string, where epoch ms arrive as digits. */
const queryInstant = z
  .union([z.string().regex(/^\d{1,16}$/), isoInstant])
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .meta({ description: 'Epoch milliseconds or ISO-8601', example: '2025-01-01T00:00:00Z' });

export const startBackfillSchema = z
  .object({ node_id: nodeIdSchema, start: instant, end: instant })
  .refine((b) => b.start < b.end, {
    message: 'start must be before end: the range is [start, end)',
    path: ['end'],
  })
  .meta({ id: 'StartBackfill', description: 'Half-open [start, end) on the node interval grid' });

const rangeSchema = z.object({ start: z.number().int(), end: z.number().int() });

const progressSchema = z
  .object({
    done_bars: z.number().int(),
    total_bars: z.number().int(),
    chunks_done: z.number().int(),
    chunks_total: z.number().int(),
    bars_written: z.number().int(),
    empty_bars: z.number().int(),
  })
  .meta({ id: 'BackfillProgress' });

const backfillSchema = z
  .object({
    backfill_id: z.string(),
    node_id: z.string(),
    start: z.number().int().meta({ description: 'First bar open, epoch ms (inclusive)' }),
    end: z.number().int().meta({ description: 'Last bar open, epoch ms (inclusive)' }),
    status: z.enum(['running', 'completed', 'failed', 'canceled']),
    phase: z
      .enum(['planning', 'running', 'paused', 'completed', 'failed', 'canceled'])
      .meta({ description: 'The workflow own status; planning and paused are running to the API' }),
    series: z.string().optional(),
    progress: progressSchema,
    error: z.string().optional(),
  })
  .meta({ id: 'Backfill' });

const coverageSchema = z
  .object({
    node_id: z.string(),
    series: z.string(),
    interval_ms: z.number().int(),
    ranges: z.array(rangeSchema).meta({ description: 'Stored bars: inclusive bar opens, epoch ms' }),
    known_empty: z.array(rangeSchema).meta({ description: 'Ranges the venue has no bars for' }),
  })
  .meta({ id: 'Coverage' });

const barSchema = z.object({
  ts: z.number().int(),
  open: z.number().nullable(),
  high: z.number().nullable(),
  low: z.number().nullable(),
  close: z.number().nullable(),
  volume: z.number().nullable(),
});

const barsQuerySchema = z
  .object({
    node_id: nodeIdSchema,
    from: queryInstant,
    to: queryInstant,
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine((q) => q.from < q.to, {
    message: 'from must be before to (the range is [from, to))',
    path: ['to'],
  });

export interface DataRouteDeps {
  store: Store;
  temporal: BackfillControl;
}

export function dataRoutes({ store, temporal }: DataRouteDeps): RouteSpec[] {
  const seriesFor = async (nodeId: string) => dataNode(nodeId, await store.nodes.get(nodeId));
  return [
    defineRoute({
      method: 'post',
      path: '/v1/data/backfills',
      operationId: 'startBackfill',
      summary: 'Backfill an input node over [start, end); concurrent requests share one backfill',
      tags: ['data'],
      access: 'operator',
      body: startBackfillSchema,
      responses: {
        202: { description: 'Accepted; poll the backfill', schema: z.object({ backfill_id: z.string() }) },
        404: { description: 'Unknown node (E_NOT_FOUND)' },
        422: { description: 'The node reads no OHLCV series (E_NOT_A_DATA_NODE)' },
      },
      async handler({ body }) {
        const { source } = await seriesFor(body.node_id);
        const window = inclusiveWindow(body, source);
        const { backfillId } = await temporal.startBackfill({ nodeId: body.node_id, window, source });
        return {
          status: 202,
          headers: { Location: `/v1/data/backfills/${backfillId}` },
          body: { backfill_id: backfillId, node_id: body.node_id, start: window.start, end: window.end },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/data/backfills/:id',
      operationId: 'getBackfill',
      summary: "A backfill's status and progress, read from its workflow",
      tags: ['data'],
      access: 'reader',
      params: z.object({ id: backfillIdSchema }),
      responses: { 200: { description: 'The backfill', schema: backfillSchema } },
      async handler({ params }) {
        const view = await temporal.backfill(params.id);
        if (!view)
          throw new ProblemError(404, 'E_NOT_FOUND', 'Backfill not found', `no backfill '${params.id}'`);
        return { status: 200, body: backfillBody(view) };
      },
    }),
    ...(['pause', 'resume', 'cancel'] as const).map((action) => backfillActionRoute(action, temporal)),
    defineRoute({
      method: 'get',
      path: '/v1/data/coverage',
      operationId: 'getCoverage',
      summary: "Which bars of a node's series are stored, and which the venue has none for",
      tags: ['data'],
      access: 'reader',
      query: z.object({ node_id: nodeIdSchema }),
      responses: { 200: { description: 'Coverage', schema: coverageSchema } },
      async handler({ query }) {
        const { seriesId, source } = await seriesFor(query.node_id);
        const [ranges, knownEmpty] = await Promise.all([
          store.bars.coverage(seriesId),
          store.bars.knownEmpty(seriesId),
        ]);
        return {
          status: 200,
          body: {
            node_id: query.node_id,
            series: seriesId,
            interval_ms: source.intervalMs,
            ranges,
            known_empty: knownEmpty,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/data/bars',
      operationId: 'getBars',
      summary: `A node's stored bars over [from, to), as JSON or CSV (at most ${MAX_BARS_PER_READ} bars)`,
      tags: ['data'],
      access: 'reader',
      query: barsQuerySchema,
      responses: {
        200: {
          description: 'Bars, ascending by ts (epoch ms of the bar open)',
          schema: z.object({ node_id: z.string(), series: z.string(), bars: z.array(barSchema) }),
        },
      },
      async handler({ query }) {
        const { seriesId, source } = await seriesFor(query.node_id);
        if ((query.to - query.from) / source.intervalMs > MAX_BARS_PER_READ) {
          throw validationError(
            [{ path: 'query.to', message: `at most ${MAX_BARS_PER_READ} bars per read`, code: 'too_big' }],
            `the range spans more than ${MAX_BARS_PER_READ} ${source.timeframe} bars; read it in pages`,
          );
        }
        const bars = await store.bars.readBars(seriesId, query.from, query.to);
        if (query.format === 'csv')
          return { status: 200, contentType: CSV_CONTENT_TYPE, body: barsCsv(bars) };
        return { status: 200, body: { node_id: query.node_id, series: seriesId, bars } };
      },
    }),
  ];
}

function backfillActionRoute(action: BackfillAction, temporal: BackfillControl): RouteSpec {
  const what = {
    pause: 'Pause a backfill: chunks in flight finish, no new one starts until resumed',
    resume: 'Resume a paused backfill',
    cancel: 'Cancel a backfill: chunks in flight stop at their next page; it ends as canceled',
  }[action];
  return defineRoute({
    method: 'post',
    path: `/v1/data/backfills/:id/${action}`,
    operationId: `${action}Backfill`,
    summary: what,
    tags: ['data'],
    access: 'operator',
    params: z.object({ id: backfillIdSchema }),
    body: z
      .object({ reason: z.string().min(1).max(500).optional() })
      .optional()
      .meta({ id: 'BackfillAction' }),
    responses: {
      202: { description: 'Signalled', schema: z.object({ backfill_id: z.string(), requested: z.string() }) },
      409: { description: 'The backfill has ended (E_CONFLICT)' },
    },
    async handler({ params, body, principal }) {
      const view = await temporal.backfill(params.id);
      if (!view)
        throw new ProblemError(404, 'E_NOT_FOUND', 'Backfill not found', `no backfill '${params.id}'`);
      if (view.status !== 'running') {
        throw new ProblemError(409, 'E_CONFLICT', 'Backfill has ended', `the backfill is ${view.status}`, {
          status: view.status,
        });
      }
      await temporal.signalBackfill(
        params.id,
        action,
        body?.reason ?? `${action} by ${principal?.name ?? 'unknown'}`,
      );
      return { status: 202, body: { backfill_id: params.id, requested: action } };
    },
  });
}

/** 404 for an unknown node, 422 for a node that reads no OHLCV series. */
function dataNode(nodeId: string, node: NodeRecord | undefined): { seriesId: string; source: OhlcvSource } {
  if (!node) {
    throw new ProblemError(404, 'E_NOT_FOUND', 'Node not found', `node '${nodeId}' is not registered`, {
      node_id: nodeId,
    });
  }
  const series = seriesOfNode(node);
  if (!series.ok) {
    throw new ProblemError(422, 'E_NOT_A_DATA_NODE', 'Not a data node', series.reason, {
      node_id: nodeId,
      node_type: node.nodeType,
    });
  }
  return series;
}

/** [start, end) in ms → the inclusive bar opens it holds; both bounds must be on the node's grid. */
function inclusiveWindow(body: { start: number; end: number }, source: OhlcvSource): BarRange {
  const misaligned = (['start', 'end'] as const).filter((key) => !isAligned(body[key], source.intervalMs));
  if (misaligned.length > 0) {
    throw validationError(
      misaligned.map((key) => ({
        path: `body.${key}`,
        message: `not on the ${source.timeframe} grid (a multiple of ${source.intervalMs} ms)`,
        code: 'misaligned',
      })),
      `start and end must be bar opens of ${source.timeframe} bars`,
    );
  }
  return { start: body.start, end: body.end - source.intervalMs };
}

function backfillBody(view: BackfillView): object {
  const [, nodeId, start, end] = BACKFILL_ID_PATTERN.exec(view.backfillId) ?? [];
  const p = view.progress;
  return {
    backfill_id: view.backfillId,
    node_id: p?.node_id ?? nodeId,
    start: p?.start ?? Number(start),
    end: p?.end ?? Number(end),
    status: view.status,
    phase: p?.status ?? (view.status === 'running' ? 'planning' : view.status),
    ...(p?.series ? { series: p.series } : {}),
    progress: {
      done_bars: p?.done_bars ?? 0,
      total_bars: p?.total_bars ?? 0,
      chunks_done: p?.chunks_done ?? 0,
      chunks_total: p?.chunks_total ?? 0,
      bars_written: p?.bars_written ?? 0,
      empty_bars: p?.empty_bars ?? 0,
    },
    ...(view.error ? { error: view.error } : {}),
  };
}

const csvValue = (v: number | null): string => (v === null ? '' : String(v));

export function barsCsv(bars: readonly BarRow[]): string {
  const columns = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;
  const lines = bars.map((bar) => columns.map((c) => csvValue(bar[c])).join(','));
  return [columns.join(','), ...lines].join('\n') + '\n';
}
