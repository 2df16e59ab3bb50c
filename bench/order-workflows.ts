/**
 * Order workflows per second on the simulated venue, against a bare no-op
 * workflow started the same way on the same server and worker (SPEC §13).
 * One in-memory Temporal dev server, one worker on qmtl-exec (the real
 * activities over a SQLite store and the `sim` venue), one client. Each
 * round starts N workflows at once and waits for every result; an order is a
 * market buy that the sim fills at submit, so its workflow runs the whole
 * path: symbol rules, account, submit, fill, settle. Late-fill lingering is
 * set to zero so a result means "done" (the production default waits 60 s).
 * Median of RUNS rounds per case, the two cases interleaved so drift hits both.
 *
 *   npx tsx bench/order-workflows.ts      # writes bench/results/order-workflows.json
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { openStore } from '../activities/store';
import { OrderVenueRegistry } from '../activities/venues/order-registry';
import { VenueRegistry } from '../activities/venues/registry';
import { clientOrderId } from '../domain/execution/order';
import { loadConfig } from '../workers/config';
import { freePort, startDevServer } from '../workers/dev-server';
import { createLogger } from '../workers/logger';
import { installTemporalRuntime } from '../workers/worker';
import { orderWorkflowId, type OrderWorkflowInput } from '../workflows/order-messages';
import { EXEC_QUEUE } from '../workflows/task-queues';
import { median, writeReport } from './harness';

const N = Number(process.env.QMTL_BENCH_ORDERS ?? 200);
const RUNS = 5;

interface Round {
  ms: number;
  perSecond: number;
}

async function main(): Promise<void> {
  const log = createLogger('warn', 'qmtl-bench');
  installTemporalRuntime(log);
  const home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-bench-orders-'));
  const config = loadConfig({}, home);
  const server = await startDevServer({ ...config, home, temporalDevPort: await freePort() }, log, {
    inMemory: true,
    headless: true,
  });
  const store = await openStore({ home });
  const connection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const orderVenues = new OrderVenueRegistry({ store, simStartingBalances: { USDT: '1000000000' } });
  const worker = await Worker.create({
    connection,
    taskQueue: EXEC_QUEUE,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('./noop-workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    }),
    activities: createActivities({ store, venues: new VenueRegistry(), orderVenues, client }),
  });
  const running = worker.run();
  try {
    await round(client, 'noop', 0, 20); // warm-up: bundle load, caches
    await round(client, 'order', 0, 20);
    const noop: Round[] = [];
    const order: Round[] = [];
    for (let run = 1; run <= RUNS; run++) {
      noop.push(await round(client, 'noop', run, N));
      order.push(await round(client, 'order', run, N));
      console.log(
        `run ${run}: noop ${noop.at(-1)!.perSecond.toFixed(1)}/s, order ${order.at(-1)!.perSecond.toFixed(1)}/s`,
      );
    }
    const noopRate = median(noop.map((r) => r.perSecond));
    const orderRate = median(order.map((r) => r.perSecond));
    console.table({
      'no-op workflow': { per_s: noopRate.toFixed(1), median_ms: median(noop.map((r) => r.ms)) },
      'order workflow (sim, filled)': {
        per_s: orderRate.toFixed(1),
        median_ms: median(order.map((r) => r.ms)),
      },
    });
    console.log(`ratio order / no-op: ${(orderRate / noopRate).toFixed(3)}`);
    await writeReport(
      'order-workflows',
      {
        setup: {
          workflows_per_round: N,
          rounds: RUNS,
          server: 'temporal dev server (in memory)',
          venue: 'sim',
        },
        results: {
          noop: { median_per_s: round1(noopRate), runs_ms: noop.map((r) => r.ms) },
          order: { median_per_s: round1(orderRate), runs_ms: order.map((r) => r.ms) },
          ratio_order_to_noop: Math.round((orderRate / noopRate) * 1000) / 1000,
        },
      },
      { prettier: true },
    );
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await store.close();
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** Starts `count` workflows of one kind at once and waits for all of them. */
async function round(client: Client, kind: 'noop' | 'order', run: number, count: number): Promise<Round> {
  const started = performance.now();
  const handles = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      kind === 'noop'
        ? client.workflow.start('noopWorkflow', { taskQueue: EXEC_QUEUE, workflowId: `noop:${run}:${i}` })
        : startOrder(client, run, i),
    ),
  );
  await Promise.all(handles.map((handle) => handle.result()));
  const ms = performance.now() - started;
  return { ms: Math.round(ms), perSecond: (count / ms) * 1000 };
}

function startOrder(client: Client, run: number, i: number) {
  const id = clientOrderId('bench', `run-${run}`, `intent-${i}`, 0);
  const input: OrderWorkflowInput = {
    clientOrderId: id,
    worldId: 'bench',
    strategyId: `run-${run}`,
    intentId: `intent-${i}`,
    replaceSeq: 0,
    venue: 'sim',
    // One account per round, so reservations and balances never carry over.
    account: `bench-${run}`,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'market',
    qty: '0.001',
    tif: { kind: 'IOC' },
    mode: 'paper',
    lateFillWindowMs: 0,
  };
  return client.workflow.start('orderWorkflow', {
    taskQueue: EXEC_QUEUE,
    workflowId: orderWorkflowId(id),
    args: [input],
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
