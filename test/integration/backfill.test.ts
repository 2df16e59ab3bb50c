/**
 * Backfills through the Gateway over the dev server (SPEC §5, §7): start,
 * poll to completion, read coverage and bars (JSON and CSV); two concurrent
 * requests for one range share one workflow; the API's refusals.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../sdk/cli/main';
import { recordHistory } from '../support/histories';
import { bootStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';
import { nodeRecord } from '../fixtures/node-records';
import { capturedIo } from '../support/captured-io';

jest.setTimeout(120_000);

const MINUTE = 60_000;
const DAY = 86_400_000;
const D0 = Date.UTC(2025, 2, 1);
const BTC = 'blake3:' + '7'.repeat(64);
const ETH = 'blake3:' + '8'.repeat(64);
const SMA = 'blake3:' + '9'.repeat(64);

describe('backfills through the Gateway', () => {
  let stack: Stack;
  const getBackfill = (id: string) => stack.api('GET', `/v1/data/backfills/${id}`);
  const finished = (r: { body?: { status?: string } }) => r.body?.status !== 'running';

  beforeAll(async () => {
    stack = await bootStack();
    await stack.store.nodes.registerAll([
      nodeRecord(BTC, 'StreamInput', { source: 'ohlcv:sim:BTC/USDT:1m' }),
      nodeRecord(ETH, 'StreamInput', { source: 'ohlcv:sim:ETH/USDT:1m' }),
      nodeRecord(SMA, 'sma', { window: 20 }),
    ]);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('backfills two days, then answers coverage and bars as JSON and CSV', async () => {
    const start = await stack.api('POST', '/v1/data/backfills', {
      node_id: BTC,
      start: '2025-03-01T00:00:00Z',
      end: D0 + 2 * DAY,
    });
    expect(start.status).toBe(202);
    const id = `backfill:${BTC}:${D0}:${D0 + 2 * DAY - MINUTE}`;
    expect(start.body).toEqual({ backfill_id: id, node_id: BTC, start: D0, end: D0 + 2 * DAY - MINUTE });
    expect(start.headers.get('location')).toBe(`/v1/data/backfills/${id}`);

    const done = await eventually(() => getBackfill(id), finished, 30_000);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      backfill_id: id,
      status: 'completed',
      phase: 'completed',
      series: 'ohlcv:sim:BTC/USDT:1m',
      progress: { done_bars: 2880, total_bars: 2880, chunks_done: 4, chunks_total: 4 },
    });

    const coverage = await stack.api('GET', `/v1/data/coverage?node_id=${BTC}`);
    expect(coverage.body).toEqual({
      node_id: BTC,
      series: 'ohlcv:sim:BTC/USDT:1m',
      interval_ms: MINUTE,
      ranges: [{ start: D0, end: D0 + 2 * DAY - MINUTE }],
      known_empty: [],
    });

    const hour = await stack.api('GET', `/v1/data/bars?node_id=${BTC}&from=${D0}&to=2025-03-01T01:00:00Z`);
    expect(hour.status).toBe(200);
    expect(hour.body.bars).toHaveLength(60);
    expect(hour.body.bars[0]).toEqual({
      ts: D0,
      open: expect.any(Number),
      high: expect.any(Number),
      low: expect.any(Number),
      close: expect.any(Number),
      volume: expect.any(Number),
    });

    const csv = await fetch(
      `${stack.url}/v1/data/bars?node_id=${BTC}&from=${D0}&to=${D0 + 60 * MINUTE}&format=csv`,
      {
        headers: { authorization: `Bearer ${stack.adminKey}` },
      },
    );
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\n');
    expect(lines[0]).toBe('ts,open,high,low,close,volume');
    expect(lines).toHaveLength(61);
    const first = hour.body.bars[0];
    expect(lines[1]).toBe([first.ts, first.open, first.high, first.low, first.close, first.volume].join(','));

    // The same range again: a new run finds it covered and ends at once.
    const again = await stack.api('POST', '/v1/data/backfills', {
      node_id: BTC,
      start: D0,
      end: D0 + 2 * DAY,
    });
    expect(again.body.backfill_id).toBe(id);
    const repeated = await eventually(() => getBackfill(id), finished, 30_000);
    expect(repeated.body).toMatchObject({
      status: 'completed',
      progress: { total_bars: 0, chunks_total: 0 },
    });
    expect(await stack.store.bars.countBars('ohlcv:sim:BTC/USDT:1m', 0, Date.now())).toBe(2880);

    await recordHistory(stack.client, id, 'covered-on-repeat');
  });

  it('runs one workflow for two concurrent requests of one range, and both see it complete', async () => {
    const body = { node_id: ETH, start: D0, end: D0 + 7 * DAY };
    const [a, b] = await Promise.all([
      stack.api('POST', '/v1/data/backfills', body),
      stack.api('POST', '/v1/data/backfills', body),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.backfill_id).toBe(b.body.backfill_id);
    const id: string = a.body.backfill_id;

    const [doneA, doneB] = await Promise.all([
      eventually(() => getBackfill(id), finished, 30_000),
      eventually(() => getBackfill(id), finished, 30_000),
    ]);
    for (const done of [doneA, doneB]) {
      expect(done.body).toMatchObject({
        status: 'completed',
        progress: { done_bars: 10080, total_bars: 10080 },
      });
    }
    const executions = await eventually(
      async () => {
        const out = [];
        for await (const wf of stack.client.workflow.list({ query: `WorkflowId = '${id}'` })) out.push(wf);
        return out;
      },
      (out) => out.length > 0 && out.every((wf) => wf.status.name === 'COMPLETED'),
      30_000,
    );
    expect(executions).toHaveLength(1);
    expect(executions[0]?.typedSearchAttributes.get({ name: 'QmtlNodeId', type: 'KEYWORD' } as never)).toBe(
      ETH,
    );
    expect(executions[0]?.typedSearchAttributes.get({ name: 'QmtlVenue', type: 'KEYWORD' } as never)).toBe(
      'sim',
    );
    expect(executions[0]?.typedSearchAttributes.get({ name: 'QmtlSymbol', type: 'KEYWORD' } as never)).toBe(
      'ETH/USDT',
    );
    expect(await stack.store.bars.countBars('ohlcv:sim:ETH/USDT:1m', 0, Date.now())).toBe(10080);
    expect(await stack.store.bars.coverage('ohlcv:sim:ETH/USDT:1m')).toEqual([
      { start: D0, end: D0 + 7 * DAY - MINUTE },
    ]);
    await recordHistory(stack.client, id, 'seven-days-completed');
  });

  it('refuses unknown nodes, nodes that read no bars, misaligned and empty ranges, and ended backfills', async () => {
    const unknown = await stack.api('POST', '/v1/data/backfills', {
      node_id: 'blake3:' + '0'.repeat(64),
      start: D0,
      end: D0 + DAY,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('E_NOT_FOUND');

    const sma = await stack.api('POST', '/v1/data/backfills', { node_id: SMA, start: D0, end: D0 + DAY });
    expect(sma.status).toBe(422);
    expect(sma.body).toMatchObject({ code: 'E_NOT_A_DATA_NODE', node_id: SMA, node_type: 'sma' });
    expect((await stack.api('GET', `/v1/data/coverage?node_id=${SMA}`)).body.code).toBe('E_NOT_A_DATA_NODE');

    const misaligned = await stack.api('POST', '/v1/data/backfills', {
      node_id: BTC,
      start: D0 + 1_000,
      end: '2025-03-02T00:00:30Z',
    });
    expect(misaligned.status).toBe(400);
    expect(misaligned.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.start', 'body.end']);

    const backwards = await stack.api('POST', '/v1/data/backfills', { node_id: BTC, start: D0, end: D0 });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].path).toBe('body.end');

    const tooMany = await stack.api('GET', `/v1/data/bars?node_id=${BTC}&from=0&to=${D0}`);
    expect(tooMany.status).toBe(400);

    const missing = await stack.api('GET', `/v1/data/backfills/backfill:${BTC}:0:60000`);
    expect(missing.status).toBe(404);

    const ended = await stack.api(
      'POST',
      `/v1/data/backfills/backfill:${BTC}:${D0}:${D0 + 2 * DAY - MINUTE}/cancel`,
    );
    expect(ended.status).toBe(409);
    expect(ended.body.code).toBe('E_CONFLICT');
  });

  it('is driven by the qmtl CLI: backfill with progress, coverage, CSV export', async () => {
    const target = () => ({ url: stack.url, apiKey: stack.adminKey });
    const io = capturedIo();
    const args = ['backfill', BTC, '--from', '2025-03-10T00:00:00Z', '--to', '2025-03-10T06:00:00Z'];
    expect(await runCli([...args, '--interval', '100'], target, io)).toBe(0);
    expect(io.stdout()).toBe(
      'completed: ohlcv:sim:BTC/USDT:1m 2025-03-10T00:00Z → 2025-03-10T05:59Z (360/360 bars, 360 written, 0 known-empty)\n',
    );

    const coverage = capturedIo();
    expect(await runCli(['data', 'coverage', BTC], target, coverage)).toBe(0);
    expect(coverage.stdout()).toContain('2025-03-01T00:00Z → 2025-03-02T23:59Z  2880 bars');
    expect(coverage.stdout()).toContain('2025-03-10T00:00Z → 2025-03-10T05:59Z  360 bars');

    const dir = mkdtempSync(path.join(os.tmpdir(), 'qmtl-export-'));
    try {
      const file = path.join(dir, 'bars.csv');
      const exported = capturedIo();
      const exportArgs = ['data', 'export', BTC, '--from', String(D0), '--to', '2025-03-11T00:00:00Z'];
      expect(await runCli([...exportArgs, '--format', 'csv', '--out', file], target, exported)).toBe(0);
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('ts,open,high,low,close,volume');
      expect(lines).toHaveLength(1 + 2880 + 360);
      expect(exported.stderr()).toContain('3240 bars of ohlcv:sim:BTC/USDT:1m exported');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const refused = capturedIo();
    expect(
      await runCli(['backfill', SMA, '--from', String(D0), '--to', String(D0 + DAY)], target, refused),
    ).toBe(1);
    expect(refused.stderr()).toContain('qmtl: E_NOT_A_DATA_NODE (422)');
  });
});
