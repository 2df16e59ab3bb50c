/**
 * `qmtl data …`: a node's coverage, an export of its bars, and a backfill's
 * status / pause / resume / cancel. Exports page through the Gateway's read
 * limit, so any span can be written to one file.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { GatewayClient } from './api';
import { follow, summary, type BackfillAnswer } from './backfill';
import type { CliIo } from './io';
import { formatInstant, instantMs } from './time';

/** Mirrors the Gateway's MAX_BARS_PER_READ (api/routes/data.ts); a smaller page is always accepted. */
export const EXPORT_PAGE_BARS = 100_000;

interface Range {
  start: number;
  end: number;
}

interface CoverageAnswer {
  node_id: string;
  series: string;
  interval_ms: number;
  ranges: Range[];
  known_empty: Range[];
}

export async function coverageCommand(
  api: GatewayClient,
  io: CliIo,
  nodeId: string,
  options: { json?: boolean },
): Promise<number> {
  const coverage = await api.json<CoverageAnswer>(
    'GET',
    `/v1/data/coverage?node_id=${encodeURIComponent(nodeId)}`,
  );
  if (options.json) {
    io.out(`${JSON.stringify(coverage, null, 2)}\n`);
    return 0;
  }
  const bars = (r: Range) => (r.end - r.start) / coverage.interval_ms + 1;
  const line = (r: Range) => `  ${formatInstant(r.start)} → ${formatInstant(r.end)}  ${bars(r)} bars\n`;
  io.out(`${coverage.series} (${coverage.interval_ms / 1000}s bars), node ${coverage.node_id}\n`);
  io.out(coverage.ranges.length === 0 ? 'stored: nothing\n' : 'stored:\n');
  coverage.ranges.forEach((r) => io.out(line(r)));
  if (coverage.known_empty.length > 0) {
    io.out('known empty at the venue:\n');
    coverage.known_empty.forEach((r) => io.out(line(r)));
  }
  return 0;
}

export interface ExportOptions {
  from: string;
  to: string;
  format: 'csv' | 'json';
  /** A file to write; stdout when absent. */
  out?: string;
}

/** Writes [from, to) as CSV (one header) or as one JSON document, page by page. */
export async function exportCommand(
  api: GatewayClient,
  io: CliIo,
  nodeId: string,
  options: ExportOptions,
): Promise<number> {
  const from = instantMs(options.from);
  const to = instantMs(options.to);
  if (!(from < to)) throw new Error('--from must be before --to (the range is [from, to))');
  const coverage = await api.json<CoverageAnswer>(
    'GET',
    `/v1/data/coverage?node_id=${encodeURIComponent(nodeId)}`,
  );
  const file = options.out ? createWriteStream(options.out) : undefined;
  const write = (text: string) => (file ? file.write(text) : io.out(text));
  const span = EXPORT_PAGE_BARS * coverage.interval_ms;
  const query = (start: number, end: number, format: string) =>
    `/v1/data/bars?node_id=${encodeURIComponent(nodeId)}&from=${start}&to=${end}&format=${format}`;

  let rows = 0;
  if (options.format === 'json')
    write(`{"node_id":${JSON.stringify(nodeId)},"series":${JSON.stringify(coverage.series)},"bars":[`);
  for (let start = from; start < to; start += span) {
    const end = Math.min(to, start + span);
    if (options.format === 'csv') {
      const lines = (await api.text(query(start, end, 'csv'))).trimEnd().split('\n');
      write(`${(start === from ? lines : lines.slice(1)).join('\n')}\n`);
      rows += lines.length - 1;
    } else {
      const { bars } = await api.json<{ bars: unknown[] }>('GET', query(start, end, 'json'));
      const body = bars.map((bar) => JSON.stringify(bar)).join(',\n');
      write(`${rows > 0 && bars.length > 0 ? ',\n' : '\n'}${body}`);
      rows += bars.length;
    }
  }
  if (options.format === 'json') write('\n]}\n');
  if (file) await closed(file);
  io.err(`${rows} bars of ${coverage.series} exported${options.out ? ` to ${options.out}` : ''}\n`);
  return 0;
}

function closed(file: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export async function statusCommand(
  api: GatewayClient,
  io: CliIo,
  backfillId: string,
  options: { watch?: boolean; interval: number },
): Promise<number> {
  const state = options.watch
    ? await follow(api, io, backfillId, options.interval)
    : await api.json<BackfillAnswer>('GET', `/v1/data/backfills/${backfillId}`);
  io.out(`${summary(state)}\n`);
  return 0;
}

export async function backfillActionCommand(
  api: GatewayClient,
  io: CliIo,
  action: 'pause' | 'resume' | 'cancel',
  backfillId: string,
  reason?: string,
): Promise<number> {
  await api.json('POST', `/v1/data/backfills/${backfillId}/${action}`, reason ? { reason } : undefined);
  io.out(`${action} requested for ${backfillId}\n`);
  return 0;
}
