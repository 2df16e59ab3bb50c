/**
 * run:{strategyId}:{worldId}:{mode}:{n} — one DAG run (SPEC §4). A backtest
 * plans the run from the stored DAG, makes sure every input's history exists
 * (joining the input's backfill), computes the nodes in topological order —
 * each output reused when any run already stored it under the same compute
 * key — then simulates the traded node and keeps the metrics. Only ids,
 * windows, fingerprints and the metric map travel through the history.
 */
import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { BacktestActivities } from '../activities/backtest';
import type { DagRunActivities } from '../activities/dag-run';
import type { NodeComputeActivities, NodeResult } from '../activities/node-compute';
import type { SeamlessActivities } from '../activities/seamless';
import type { RunRecord } from '../activities/store/port';
import { datasetFingerprintOf } from '../domain/dag/compute-key';
import type { RunPlan } from '../domain/run/plan';
import { runIdOf, type RunMode, type RunRef } from '../domain/run/run-id';
import { dataEnsure, nodeCompute, storeCall } from './activity-options';
import { paperRun } from './paper-run';
import type { PaperRunCarried, PaperRunSettings } from './paper-run-messages';
import { QmtlStatus } from './search-attributes';

export interface DagRunInput extends RunRef {
  /** Tests shorten it so a node on a killed worker is retried within seconds. */
  tuning?: { computeHeartbeatTimeout?: Duration };
  /** Paper/live only: venue, account, bars per run, order style, risk limits (workflows/paper-run.ts). */
  paper?: PaperRunSettings;
  /** Paper/live only: set by continue-as-new. */
  carried?: PaperRunCarried;
}

/** `running`: a paper/live run's bar loop. */
export type DagRunStatus =
  'planning' | 'data' | 'computing' | 'simulating' | 'running' | 'completed' | 'failed' | 'stopped';

/** What the `progress` query answers (snake_case: the API passes it on as is). */
export interface DagRunProgress {
  run_id: string;
  mode: RunMode;
  status: DagRunStatus;
  inputs_total: number;
  inputs_ready: number;
  nodes_total: number;
  nodes_done: number;
  /** Nodes whose output an earlier run had already stored: not computed again. */
  nodes_reused: number;
  error?: string;
  stop_reason?: string;
}

export interface DagRunResult {
  runId: string;
  status: 'completed' | 'stopped';
  metrics: Record<string, number>;
  /** False when no node yields positions: the nodes were computed and nothing was traded. */
  simulated: boolean;
  stopReason?: string;
}

export const dagRunProgressQuery = defineQuery<DagRunProgress>('progress');
/** Stops the run where it is: activities in flight are canceled and it ends as `stopped`. */
export const stopRunSignal = defineSignal<[{ reason?: string }?]>('stop');

export const dagRunWorkflowId = (ref: RunRef): string => runIdOf(ref);

export async function dagRunWorkflow(input: DagRunInput): Promise<DagRunResult> {
  // Paper and live runs are a bar loop of their own; a backtest's commands stay as they were.
  if (input.mode !== 'backtest') return paperRun(input);
  const runId = runIdOf(input);
  const control = runControl(runId, input.mode);
  const { planRun, recordRun } = proxyActivities<DagRunActivities>(storeCall);
  const { fetchSeries } = proxyActivities<SeamlessActivities>(dataEnsure);
  const computeOptions = {
    ...nodeCompute,
    ...(input.tuning?.computeHeartbeatTimeout
      ? { heartbeatTimeout: input.tuning.computeHeartbeatTimeout }
      : {}),
  };
  const { computeNode } = proxyActivities<NodeComputeActivities>(computeOptions);
  const { simulateRun } = proxyActivities<BacktestActivities>(computeOptions);

  const outcome: Omit<RunRecord, 'status' | 'updatedAt'> = {
    runId,
    strategyId: input.strategyId,
    worldId: input.worldId,
    mode: input.mode,
    window: null,
    metrics: {},
    nodes: [],
    startedAt: workflowInfo().startTime.toISOString(),
  };
  let plan: RunPlan | undefined;
  try {
    await control.scope.run(async () => {
      await recordRun({ ...outcome, status: 'running' });
      plan = await planRun({
        strategyId: input.strategyId,
        worldId: input.worldId,
        mode: input.mode,
        startedAtMs: workflowInfo().startTime.getTime(),
      });
      outcome.window = plan.window;
      control.planned(plan);
      // AUTO_BACKFILL (SPEC §7): start or join each input's backfill, wait for it, then check the window is held.
      await Promise.all(
        plan.inputs.map(async ({ nodeId }) => {
          await fetchSeries({ nodeId, window: plan!.window, strategy: 'AUTO_BACKFILL' });
          control.progress.inputs_ready += 1;
        }),
      );
      control.moveTo('computing');
      const outputs = await computeAll(plan, computeNode, (result) => {
        outcome.nodes.push(result);
        control.nodeDone(result);
      });
      if (plan.target === undefined) return;
      control.moveTo('simulating');
      const simulated = await simulateRun({
        window: plan.window,
        targetFingerprint: outputs.get(plan.target.nodeId)!,
        priceFingerprint: outputs.get(plan.target.priceNodeId)!,
        feeRate: plan.feeRate,
        // Absent in plans recorded before ADR 005; the activity then prices with feeRate.
        brokerage: plan.brokerage,
        initialCash: plan.initialCash,
      });
      outcome.metrics = simulated.metrics;
      outcome.resultFingerprint = simulated.resultFingerprint;
    });
  } catch (err) {
    if (isCancellation(err)) {
      // A stop signal, or the run itself canceled (by its strategy or an operator): record how far it got.
      const stopReason = control.stopReason ?? 'canceled';
      control.progress.stop_reason = stopReason;
      control.moveTo('stopped');
      await CancellationScope.nonCancellable(() =>
        recordRun({ ...outcome, status: 'stopped', error: stopReason }),
      );
      log.info('run stopped', { runId, reason: stopReason });
      return { runId, status: 'stopped', metrics: {}, simulated: false, stopReason };
    }
    const error = innermostMessage(err);
    control.progress.error = error;
    control.moveTo('failed');
    await recordRun({ ...outcome, status: 'failed', error });
    throw ApplicationFailure.create({
      type: 'DagRunFailed',
      message: `run ${runId} failed: ${error}`,
      details: [{ ...control.progress }],
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
  control.moveTo('completed');
  await recordRun({ ...outcome, status: 'completed' });
  return { runId, status: 'completed', metrics: outcome.metrics, simulated: plan?.target !== undefined };
}

type ComputeRequest = Parameters<NodeComputeActivities['computeNode']>[0];

/**
 * Every node in topological order, one activity each. A node's dataset is
 * what its inputs trace back to (so two strategies reading the same frames
 * share compute keys whatever else they read); its inputs are its
 * dependencies' outputs in dependency order. Returns node id → output.
 */
async function computeAll(
  plan: RunPlan,
  compute: (request: ComputeRequest) => Promise<NodeResult>,
  done: (result: NodeResult) => void,
): Promise<Map<string, string>> {
  const outputs = new Map<string, string>();
  const datasets = new Map<string, string>();
  for (const step of plan.steps) {
    const dataset = step.input
      ? undefined
      : datasetFingerprintOf(step.dependencies.map((d) => datasets.get(d)!));
    const result = await compute({
      nodeId: step.nodeId,
      input: step.input,
      window: plan.window,
      context: plan.context,
      ...(dataset === undefined ? {} : { datasetFingerprint: dataset }),
      inputs: step.dependencies.map((d) => outputs.get(d)!),
    });
    outputs.set(step.nodeId, result.fingerprint);
    datasets.set(step.nodeId, dataset ?? result.fingerprint);
    done(result);
  }
  return outputs;
}

/** The run's state, its query and stop signal, and the status moves they make. */
function runControl(runId: string, mode: RunMode) {
  const progress: DagRunProgress = {
    run_id: runId,
    mode,
    status: 'planning',
    inputs_total: 0,
    inputs_ready: 0,
    nodes_total: 0,
    nodes_done: 0,
    nodes_reused: 0,
  };
  const control = {
    progress,
    stopReason: undefined as string | undefined,
    /** Every step of the run happens in it; the stop signal cancels it. */
    scope: new CancellationScope(),
    moveTo(status: DagRunStatus): void {
      if (progress.status === status) return;
      progress.status = status;
      upsertSearchAttributes([{ key: QmtlStatus, value: status }]);
    },
    planned(plan: RunPlan): void {
      progress.inputs_total = plan.inputs.length;
      progress.nodes_total = plan.steps.length;
      control.moveTo('data');
    },
    nodeDone(result: NodeResult): void {
      progress.nodes_done += 1;
      if (result.reused) progress.nodes_reused += 1;
    },
  };
  setHandler(dagRunProgressQuery, () => ({ ...progress }));
  setHandler(stopRunSignal, (args) => {
    control.stopReason ??= args?.reason ?? 'stop requested';
    control.scope.cancel();
  });
  return control;
}

/** The innermost message: an ActivityFailure's own message only says which activity failed. */
function innermostMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
