/**
 * The `qmtl` CLI against the real stack (Gateway over the dev server): submit
 * the SMA example module, dry-run its diff, resubmit it (E_DUPLICATE), submit
 * a .json body, list strategies and show the backtest run; and once through
 * tsx, as a user runs it. Rendering and endpoints a Gateway does not serve
 * (an older Gateway) are checked against a fake one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLossless } from '../../domain/canonical-json';
import { strategyIdOf } from '../../domain/dag/strategy-id';
import { built as rsiBuilt } from '../../examples/rsi-mean-reversion';
import { built as smaBuilt } from '../../examples/sma-crossover';
import { GatewayClient, type CliTarget } from '../../sdk/cli/api';
import { runCli } from '../../sdk/cli/main';
import { runCommand, strategiesCommand } from '../../sdk/cli/strategies';
import { EXIT_DUPLICATE } from '../../sdk/cli/submit';
import { INPUT_NODE, smaNode, submission } from '../fixtures/dags';
import { bootStack, type Stack } from '../support/stack';
import { eventually } from '../support/eventually';
import { capturedIo } from '../support/captured-io';

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..');
const SMA_FILE = path.join(ROOT, 'examples', 'sma-crossover.ts');
const RSI_FILE = path.join(ROOT, 'examples', 'rsi-mean-reversion.ts');

/** A list answer: an array, or `{runs: [...]}`. */
const listed = (body: unknown): Array<Record<string, unknown>> =>
  (Array.isArray(body) ? body : ((body as { runs?: unknown[] } | undefined)?.runs ?? [])) as Array<
    Record<string, unknown>
  >;

describe('qmtl CLI through the Gateway', () => {
  let stack: Stack;
  let dir: string;
  const target = (): CliTarget => ({ url: stack.url, apiKey: stack.adminKey });
  const qmtl = async (...argv: string[]) => {
    const io = capturedIo();
    const code = await runCli(argv, target, io);
    return { code, out: io.stdout(), err: io.stderr() };
  };

  beforeAll(async () => {
    stack = await bootStack();
    dir = mkdtempSync(path.join(os.tmpdir(), 'qmtl-cli-'));
    expect((await stack.api('POST', '/v1/worlds', { id: 'crypto-majors' })).status).toBe(201);
  });
  afterAll(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dry-runs the SMA example: the diff names every node, and nothing starts', async () => {
    const run = await qmtl('submit', SMA_FILE, '--world', 'crypto-majors', '--dry-run');
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain(`dry run of sma-crossover: strategy ${smaBuilt.strategyId}\n`);
    expect(run.out).toContain('not submitted yet: nothing was started');
    expect(run.out).toContain('5 nodes: 5 new, 0 reused, 0 buffering');
    for (const node of smaBuilt.dag.nodes) {
      expect(run.out).toMatch(new RegExp(`new +${node.node_type} +${node.node_id} +btc_${node.node_type}_`));
    }
    expect((await stack.api('GET', `/v1/strategies/${smaBuilt.strategyId}`)).status).toBe(404);
  });

  it('submits the SMA example under the id the builder computed, and shows the strategy as the Gateway does', async () => {
    const id = smaBuilt.strategyId;
    const run = await qmtl('submit', SMA_FILE, '--world', 'crypto-majors');
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain(`submitted sma-crossover: strategy ${id} (queued)`);
    expect(run.out).toContain(`workflow: strategy:${id}`);

    // What the strategy does next belongs to its workflow; the CLI must show what the Gateway answers.
    const api = await eventually(
      () => stack.api('GET', `/v1/strategies/${id}`),
      (r) => !['queued', 'processing'].includes(r.body?.status),
    );
    const shown = await qmtl('strategy', id);
    expect(shown).toMatchObject({ code: 0, err: '' });
    expect(shown.out).toContain(`strategy ${id}  ${api.body.status}\n  workflow:  strategy:${id}\n`);
    for (const b of api.body.bindings as Array<{
      world_id: string;
      effective_mode: string;
      reason: string;
    }>) {
      expect(shown.out).toContain(`  world:     ${b.world_id} (${b.effective_mode}: ${b.reason})\n`);
    }
    expect(api.body.bindings).toHaveLength(1);
    expect(shown.out).toMatch(/history: +queued \S+ → /);
  });

  it('a resubmission reports E_DUPLICATE with the existing id; a dry run now shows every node reused', async () => {
    const again = await qmtl('submit', SMA_FILE, '--world', 'crypto-majors');
    expect(again.code).toBe(EXIT_DUPLICATE);
    expect(again.out).toBe('');
    expect(again.err).toBe(
      `qmtl: E_DUPLICATE (409): sma-crossover was submitted before as strategy ${smaBuilt.strategyId}; nothing was started\n` +
        `  see it: qmtl strategy ${smaBuilt.strategyId}\n`,
    );
    const dry = await qmtl('submit', SMA_FILE, '--world', 'crypto-majors', '--dry-run');
    expect(dry.out).toContain('already submitted: submitting it again answers E_DUPLICATE');
    expect(dry.out).toContain('5 nodes: 0 new, 5 reused, 0 buffering');
  });

  it('a dry run of the RSI example reuses the input node the SMA strategy registered', async () => {
    const dry = await qmtl('submit', RSI_FILE, '--world', 'crypto-majors', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const answer = JSON.parse(dry.out) as {
      strategy_id: string;
      diff: { nodes: Array<{ node_id: string; status: string }> };
    };
    expect(answer.strategy_id).toBe(rsiBuilt.strategyId);
    expect(answer.diff.nodes.map((n) => [n.node_id, n.status])).toEqual(
      rsiBuilt.nodeIds.map((id, i) => [id, i === 0 ? 'reused' : 'new']),
    );
  });

  it('submits a .json body (worlds from the file) and a bare .json DAG whose float literal survives', async () => {
    const body = path.join(dir, 'body.json');
    writeFileSync(body, submission([INPUT_NODE, smaNode('7')], ['crypto-majors']));
    const dagText = `{"nodes":[${INPUT_NODE},${smaNode('7')}]}`;
    const expected = strategyIdOf(parseLossless(dagText) as never);
    const run = await qmtl('submit', body);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain(`strategy ${expected} (queued)`);

    const dag = path.join(dir, 'dag.json');
    writeFileSync(dag, `{"nodes":[${INPUT_NODE},${smaNode('7.0')}]}`);
    expect((await qmtl('submit', dag)).err).toBe('qmtl: name at least one world: --world <id>\n');
    const floatRun = await qmtl('submit', dag, '--world', 'crypto-majors', '--json');
    expect(floatRun.code).toBe(0);
    // 7.0 is another node than 7, so another strategy: the literal survived the trip.
    expect(JSON.parse(floatRun.out).strategy_id).not.toBe(expected);
  });

  it('passes the Gateway’s refusals on with their code and fields', async () => {
    const wrong = path.join(dir, 'wrong-id.json');
    writeFileSync(wrong, `{"nodes":[${INPUT_NODE.replace(/blake3:[0-9a-f]{4}/, 'blake3:0000')}]}`);
    const bad = await qmtl('submit', wrong, '--world', 'crypto-majors');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /^qmtl: E_NODE_ID_MISMATCH \(400\): .*\n {2}dag_json\.nodes\.0\.node_id: expected blake3:/,
    );
    const nowhere = await qmtl('submit', SMA_FILE, '--world', 'nowhere', '--dry-run');
    expect(nowhere).toMatchObject({
      code: 1,
      err: "qmtl: E_NOT_FOUND (404): world 'nowhere' does not exist\n",
    });
    const missing = path.join(dir, 'none.ts');
    expect(await qmtl('submit', missing, '--world', 'crypto-majors')).toMatchObject({
      code: 1,
      err: `qmtl: no such file: ${missing}\n`,
    });
    const empty = path.join(dir, 'empty.js');
    writeFileSync(empty, 'exports.x = 1;');
    expect((await qmtl('submit', empty, '--world', 'crypto-majors')).err).toMatch(/exports no strategy/);
  });

  it('lists strategies by world, with their names', async () => {
    const list = await qmtl('strategies', '--world', 'crypto-majors');
    expect(list).toMatchObject({ code: 0, err: '' });
    expect(list.out).toMatch(
      new RegExp(`\n  ${smaBuilt.strategyId}  sma-crossover +\\w+ +crypto-majors +5 `),
    );
    expect((await qmtl('strategies', '--world', 'elsewhere')).out).toBe('no strategies in world elsewhere\n');
    expect((await qmtl('strategies', '--limit', 'x')).err).toContain(
      "option '--limit <n>' argument 'x' is invalid",
    );
    const unknown = await qmtl('strategy', 'f'.repeat(64));
    expect(unknown).toMatchObject({
      code: 1,
      err: `qmtl: E_NOT_FOUND (404): no strategy '${'f'.repeat(64)}'\n`,
    });
  });

  it("shows the strategy's backtest run with its metrics", async () => {
    const runs = await eventually(
      () => stack.api('GET', `/v1/strategies/${smaBuilt.strategyId}/runs`),
      (r) => listed(r.body).length > 0,
    );
    const runId = String(listed(runs.body)[0]!.run_id);
    const answer = await eventually(
      () => stack.api('GET', `/v1/runs/${encodeURIComponent(runId)}`),
      (r) => r.body?.status !== 'running',
    );
    const shown = await qmtl('run', runId);
    expect(shown).toMatchObject({ code: 0, err: '' });
    expect(shown.out).toMatch(
      new RegExp(`^run ${runId}  ${answer.body.status}\n  strategy  ${smaBuilt.strategyId}\n`),
    );
    expect(Object.keys(answer.body.metrics).length).toBeGreaterThan(0);
    for (const metric of Object.keys(answer.body.metrics))
      expect(shown.out).toMatch(new RegExp(`\n  ${metric} +\\S`));
    if (answer.body.result)
      expect(shown.out).toContain(`  trades    ${answer.body.result.trades_total} (fee rate`);
    const strategy = await qmtl('strategy', smaBuilt.strategyId);
    expect(strategy.out).toMatch(new RegExp(`\n  ${runId}  ${answer.body.status} +backtest`));
    const missing = await qmtl('run', `run:${'f'.repeat(64)}:crypto-majors:backtest:1`);
    expect(missing).toMatchObject({
      code: 1,
      err: `qmtl: E_NOT_FOUND (404): no run 'run:${'f'.repeat(64)}:crypto-majors:backtest:1'\n`,
    });
  });

  it('runs as the README shows it: through tsx, with QMTL_URL and QMTL_API_KEY', async () => {
    const tsx = require.resolve('tsx/cli');
    const child = spawn(
      process.execPath,
      [
        tsx,
        'sdk/cli/main.ts',
        'submit',
        'examples/sma-crossover.ts',
        '--world',
        'crypto-majors',
        '--dry-run',
      ],
      { cwd: ROOT, env: { ...process.env, QMTL_URL: stack.url, QMTL_API_KEY: stack.adminKey } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`dry run of sma-crossover: strategy ${smaBuilt.strategyId}`);
    expect(out).toContain('already submitted');
  });
});

describe('qmtl reads against a Gateway without the endpoints, or with answers to render', () => {
  const io = capturedIo;
  const gateway = (status: number, body: object | ((url: string) => object)) =>
    new GatewayClient(
      { url: 'http://gateway.test', apiKey: 'k' },
      async (input) =>
        new Response(JSON.stringify(typeof body === 'function' ? body(String(input)) : body), {
          status,
          headers: { 'content-type': 'application/json' },
        }),
    );
  const noRoute = (url: string) => ({ code: 'E_NOT_FOUND', detail: `no route GET ${new URL(url).pathname}` });

  it('a missing route is not a missing strategy or run', async () => {
    const a = io();
    expect(await strategiesCommand(gateway(404, noRoute), a, {})).toBe(1);
    const allow = { code: 'E_METHOD_NOT_ALLOWED', detail: 'GET is not allowed here; use POST' };
    expect(await strategiesCommand(gateway(405, allow), io(), {})).toBe(1);
    expect(a.stderr()).toBe(
      'qmtl: this Gateway does not serve GET /v1/strategies yet; look one up with: qmtl strategy <id>\n',
    );
    const b = io();
    expect(await runCommand(gateway(404, noRoute), b, 'run:x', {})).toBe(1);
    expect(b.stderr()).toContain('does not serve GET /v1/runs/{runId} yet');
    await expect(
      runCommand(
        gateway(404, { code: 'E_NOT_FOUND', detail: "run 'run:x' does not exist" }),
        io(),
        'run:x',
        {},
      ),
    ).rejects.toThrow("run 'run:x' does not exist");
  });

  it('renders a page of strategies and a run with its metrics, trades and equity', async () => {
    const a = io();
    const list = {
      strategies: [
        {
          strategy_id: 'a'.repeat(64),
          status: 'running',
          world_ids: ['crypto-majors', 'alts'],
          node_count: 5,
          meta: { name: 'sma-crossover' },
          created_at: '2026-01-02T03:04:05.000Z',
        },
      ],
      limit: 1,
      offset: 0,
    };
    let asked = '';
    const listing = new GatewayClient({ url: 'http://gateway.test', apiKey: 'k' }, async (input) => {
      asked = String(input);
      return new Response(JSON.stringify(list), { status: 200 });
    });
    expect(await strategiesCommand(listing, a, { world: 'crypto-majors', limit: 1 })).toBe(0);
    expect(asked).toBe('http://gateway.test/v1/strategies?world_id=crypto-majors&limit=1');
    expect(a.stdout()).toBe(
      [
        `  STRATEGY ID${' '.repeat(53)}  NAME           STATUS   WORLDS              NODES  SUBMITTED`,
        `  ${'a'.repeat(64)}  sma-crossover  running  crypto-majors,alts  5      2026-01-02T03:04:05.000Z`,
        '  (first 1; more with --offset 1)',
        '',
      ].join('\n'),
    );
    const b = io();
    const run = {
      run_id: 'run:s:w:backtest:1',
      strategy_id: 's',
      world_id: 'w',
      mode: 'backtest',
      status: 'completed',
      window: { start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 0, 8) - 60_000, interval_ms: 60_000 },
      metrics: { sharpe: 1.234567891, n_trades_total: 12, max_drawdown: 0.05 },
      nodes_total: 5,
      nodes_reused: 1,
      result: {
        initial_cash: 10000,
        fee_rate: 0.001,
        trades_total: 12,
        trades: [],
        equity_points_total: 10080,
        equity: [
          { ts: 1, equity: 10000 },
          { ts: 2, equity: 10412.345678 },
        ],
      },
    };
    expect(await runCommand(gateway(200, run), b, 'run:s:w:backtest:1', {})).toBe(0);
    expect(b.stdout()).toBe(
      [
        'run run:s:w:backtest:1  completed',
        '  strategy  s',
        '  world     w (backtest)',
        '  bars      2026-01-01T00:00Z → 2026-01-07T23:59Z, 60s',
        '  nodes     5 (1 reused)',
        '  trades    12 (fee rate 0.001)',
        '  equity    10000 → 10412.3 over 10080 bars',
        '  METRIC          VALUE',
        '  max_drawdown    0.05',
        '  n_trades_total  12',
        '  sharpe          1.23457',
        '',
      ].join('\n'),
    );
  });
});
