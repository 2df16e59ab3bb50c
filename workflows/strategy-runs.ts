/**
 * The runs a strategy supervises: one backtest DAG run per bound world, each
 * its own child workflow (`run:{strategyId}:{worldId}:backtest:1`) so it has
 * its own history, progress query and place in the Temporal UI. A stop
 * request is passed on to every run still going, as the run's own stop
 * signal, so each ends `stopped` with its record written.
 */
import { condition, ChildWorkflowFailure, startChild, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { StrategyEvent } from '../domain/strategy/lifecycle';
import type { RunRef } from '../domain/run/run-id';
import { dagRunWorkflow, dagRunWorkflowId, stopRunSignal, type DagRunResult } from './dag-run';
import { QmtlMode, QmtlStatus, QmtlStrategyId, QmtlWorldId } from './search-attributes';

export interface StrategyRun {
  runId: string;
  worldId: string;
  mode: RunRef['mode'];
  status: 'running' | 'completed' | 'failed' | 'stopped';
  /** The run's metrics once it completed (a small map). */
  metrics?: Record<string, number>;
  error?: string;
}

export interface RunsOutcome {
  event: Extract<StrategyEvent, 'finish' | 'fail' | 'stop'>;
  error?: string;
}

/**
 * Starts the runs, waits for all of them, and says how the strategy moves:
 * finish when every run completed, fail when any failed, stop when a stop
 * was requested (whatever the runs did before it).
 */
export async function runBacktests(
  input: { strategyId: string; worldIds: string[] },
  runs: StrategyRun[],
  stopRequest: () => string | undefined,
): Promise<RunsOutcome> {
  const handles = [];
  for (const worldId of input.worldIds) {
    if (stopRequest() !== undefined) break;
    const ref: RunRef = { strategyId: input.strategyId, worldId, mode: 'backtest', n: 1 };
    const runId = dagRunWorkflowId(ref);
    handles.push(
      await startChild(dagRunWorkflow, {
        workflowId: runId,
        args: [ref],
        // A strategy terminated from outside still lets its runs record how they ended.
        parentClosePolicy: 'REQUEST_CANCEL',
        typedSearchAttributes: [
          { key: QmtlStrategyId, value: input.strategyId },
          { key: QmtlWorldId, value: [worldId] },
          { key: QmtlMode, value: 'backtest' },
          { key: QmtlStatus, value: 'planning' },
        ],
        staticSummary: `Backtest of strategy ${input.strategyId.slice(0, 12)}… in world ${worldId}`,
      }),
    );
    runs.push({ runId, worldId, mode: 'backtest', status: 'running' });
  }
  return superviseRuns(handles, runs, stopRequest);
}

/**
 * Waits for started runs (`runs[i]` is `handles[i]`'s) and says how the
 * strategy moves; on a stop request each run still going gets its stop signal.
 */
export async function superviseRuns(
  handles: readonly ChildWorkflowHandle<typeof dagRunWorkflow>[],
  runs: readonly StrategyRun[],
  stopRequest: () => string | undefined,
): Promise<RunsOutcome> {
  const settled = Promise.all(
    handles.map((handle, i) =>
      handle.result().then(
        (result) => settle(runs[i]!, result),
        (err: unknown) => fail(runs[i]!, err),
      ),
    ),
  );
  await Promise.race([settled, condition(() => stopRequest() !== undefined)]);
  const reason = stopRequest();
  if (reason !== undefined) {
    await Promise.all(
      handles.map((handle, i) =>
        runs[i]!.status === 'running'
          ? // A run that ends between the check and the signal cannot take it; that is fine.
            handle.signal(stopRunSignal, { reason }).catch(() => undefined)
          : undefined,
      ),
    );
    await settled;
    return { event: 'stop' };
  }
  const failed = runs.find((run) => run.status !== 'completed');
  return failed
    ? { event: 'fail', error: `${failed.runId}: ${failed.error ?? failed.status}` }
    : { event: 'finish' };
}

function settle(run: StrategyRun, result: DagRunResult): void {
  run.status = result.status;
  if (result.status === 'completed') run.metrics = result.metrics;
  if (result.stopReason !== undefined) run.error = result.stopReason;
}

function fail(run: StrategyRun, err: unknown): void {
  run.status = 'failed';
  let cause: unknown = err instanceof ChildWorkflowFailure ? err.cause : err;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  run.error = cause instanceof Error ? cause.message : String(cause);
}
