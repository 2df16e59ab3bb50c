/**
 * A DAG run survives its worker being killed mid-run (SIGKILL, a real
 * process): a second worker process finishes it, every node is computed
 * exactly once across both processes (the nodes finished before the kill are
 * never started again; the one in flight is redone), and the metrics equal
 * the domain functions over the same bars.
 *
 * Computations are counted from the workers' log (dag-run-kill.worker.ts).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openStore } from '../../activities/store';
import { runIdOf } from '../../domain/run/run-id';
import { workflowBundle } from '../../workers/worker';
import { dagRunWorkflow, type DagRunInput } from '../../workflows/dag-run';
import { CONTROL_QUEUE } from '../../workflows/task-queues';
import { recordHistory } from '../support/histories';
import {
  D0,
  MIN,
  SERIES,
  dagNode,
  directBacktest,
  fixedBars,
  fixedCloses,
  putStrategy,
} from '../support/run-fixtures';
import {
  exited,
  readLogLines,
  startWorkerProcess,
  until,
  workerProcessScope,
} from '../support/worker-process';
import type { RunKillWorkerOptions } from './dag-run-kill.worker';

jest.setTimeout(120_000);

const BARS = 600;
const WORKER_ENTRY = path.join(__dirname, 'dag-run-kill.worker.ts');

/** Seven compute nodes; the traded one is crossover(sma 3, sma 8) → target 1. */
function killDag() {
  const input = dagNode('StreamInput', { source: SERIES }, [], 200);
  const sma3 = dagNode('sma', { window: 3 }, [input], 3);
  const sma8 = dagNode('sma', { window: 8 }, [input], 8);
  const sma21 = dagNode('sma', { window: 21 }, [input], 21);
  const ema10 = dagNode('ema', { window: 10 }, [input], 10);
  const zscore = dagNode('zscore', { window: 20 }, [input], 20);
  const cross = dagNode('crossover', { mode: 'level' }, [sma3, sma8]);
  const target = dagNode('target_position', { size: 1 }, [cross]);
  const nodes = [input, sma3, sma8, sma21, ema10, zscore, cross, target];
  return { nodes, computeIds: nodes.slice(1).map((n) => n.node_id as string) };
}

interface Entry {
  pid: number;
  what: 'start' | 'done';
  nodeId: string;
}

function readLog(file: string): Entry[] {
  return readLogLines(file).map(([pid, what, nodeId]) => ({
    pid: Number(pid),
    what: what as Entry['what'],
    nodeId: nodeId!,
  }));
}

describe('a DAG run whose worker is killed mid-run', () => {
  const scope = workerProcessScope('qmtl-run-kill');

  it('resumes on another worker without recomputing the nodes it had finished', async () => {
    const { temporal, root, children } = scope;
    const home = path.join(root, 'home');
    const dag = killDag();
    const store = await openStore({ home });
    await store.bars.upsertBars(SERIES, MIN, fixedBars(BARS));
    const strategyId = await putStrategy(store, dag.nodes, { backtest: { start: D0, end: D0 + BARS * MIN } });
    await store.close();
    const bundlePath = path.join(root, 'workflows.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
    const options: RunKillWorkerOptions = {
      address: process.env.QMTL_TEST_TEMPORAL_ADDRESS!,
      namespace: temporal.client.options.namespace,
      home,
      computeDelayMs: 400,
      computeLog: path.join(root, 'computations.log'),
      bundlePath,
    };

    const first = await startWorkerProcess(WORKER_ENTRY, options);
    children.push(first);
    const input: DagRunInput = {
      strategyId,
      worldId: 'w1',
      mode: 'backtest',
      n: 1,
      tuning: { computeHeartbeatTimeout: '2 seconds' },
    };
    const handle = await temporal.client.workflow.start(dagRunWorkflow, {
      workflowId: runIdOf(input),
      taskQueue: CONTROL_QUEUE,
      args: [input],
    });

    // Kill while the fourth node computes: three are finished and stored.
    const entries = () => readLog(options.computeLog);
    await until(() => entries().filter((e) => e.what === 'start').length === 4, 60_000);
    first.kill('SIGKILL');
    await exited(first);
    const beforeKill = entries();
    const finishedFirst = beforeKill.filter((e) => e.what === 'done').map((e) => e.nodeId);
    expect(finishedFirst).toHaveLength(3);

    const second = await startWorkerProcess(WORKER_ENTRY, options);
    children.push(second);
    const result = await handle.result();
    second.kill('SIGTERM');
    await exited(second);

    expect(result).toEqual({
      runId: runIdOf(input),
      status: 'completed',
      metrics: directBacktest(fixedCloses(BARS), { fast: 3, slow: 8, size: 1 }),
      simulated: true,
    });
    const log = entries();
    const done = log.filter((e) => e.what === 'done');
    expect(done.map((e) => e.nodeId).sort()).toEqual([...dag.computeIds].sort());
    const resumed = log.filter((e) => e.pid === second.pid && e.what === 'start').map((e) => e.nodeId);
    expect(resumed).toHaveLength(4); // the node in flight, then the three not started
    for (const nodeId of finishedFirst) expect(resumed).not.toContain(nodeId);
    const inFlight = beforeKill.find((e) => e.what === 'start' && !finishedFirst.includes(e.nodeId))!.nodeId;
    expect(resumed[0]).toBe(inFlight);

    const check = await openStore({ home });
    try {
      expect((await check.runs.get(result.runId))?.status).toBe('completed');
    } finally {
      await check.close();
    }
    await recordHistory(temporal.client, result.runId, 'worker-killed-resumed');
  });
});
