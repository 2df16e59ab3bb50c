/**
 * A worker process for dag-run-kill.test.ts: polls qmtl-control over a SQLite
 * store in the given home, with every node computation held back a while
 * (heartbeating) so a SIGKILL lands in the middle of a run. Each computation
 * is logged (`pid start|done nodeId`) so the test can count them across
 * processes.
 *
 * Run: node --import tsx test/integration/dag-run-kill.worker.ts '<options JSON>'
 * It prints `ready` once polling. Options are the test's; nothing else is read.
 */
import { appendFileSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createNodeComputeActivities } from '../../activities/node-compute';
import { openStore } from '../../activities/store';
import { VenueRegistry } from '../../activities/venues/registry';
import { createLogger } from '../../workers/logger';
import { connectWorker } from '../../workers/temporal-connection';
import { installTemporalRuntime } from '../../workers/worker';
import { runWorkerProcess, workerProcessConfig, type WorkerProcessOptions } from '../support/worker-process';

export interface RunKillWorkerOptions extends WorkerProcessOptions {
  /** How long each node's computation is held back. */
  computeDelayMs: number;
  computeLog: string;
  /** The workflow bundle the test built once, so a restarted worker polls without bundling again. */
  bundlePath: string;
}

async function main(options: RunKillWorkerOptions): Promise<void> {
  const config = workerProcessConfig(options);
  installTemporalRuntime(createLogger('silent', 'qmtl-run-kill-worker'));
  const store = await openStore({ home: options.home });
  const note = (what: string, nodeId: string) =>
    appendFileSync(options.computeLog, `${process.pid} ${what} ${nodeId}\n`);
  const worker = await Worker.create({
    connection: await connectWorker(config),
    namespace: options.namespace,
    taskQueue: 'qmtl-control',
    workflowBundle: { codePath: options.bundlePath },
    activities: {
      ...createActivities({ store, venues: new VenueRegistry() }),
      ...createNodeComputeActivities({
        store,
        hooks: {
          async beforeCompute(nodeId) {
            note('start', nodeId);
            for (let waited = 0; waited < options.computeDelayMs; waited += 50) {
              Context.current().heartbeat();
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          },
          onComputed: (nodeId) => note('done', nodeId),
        },
      }),
    },
    // Heartbeats reach the server at once, and a dead worker's sticky queue is abandoned after a second.
    maxHeartbeatThrottleInterval: '50 ms',
    stickyQueueScheduleToStartTimeout: '1 second',
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await store.close();
  process.exit(0);
}

if (require.main === module) runWorkerProcess(main);
