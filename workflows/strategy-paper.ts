/**
 * Paper trading once a world says so (SPEC §4): for every world whose
 * decision for the strategy is `paper`, the strategy starts the paper DAG run
 * `run:{strategyId}:{worldId}:paper:1` as its child and supervises it like
 * its backtests — it stays `running` while any paper run runs, a stop request
 * is passed on as the run's own stop signal, and a failed run fails it.
 */
import { startChild } from '@temporalio/workflow';
import type { RunRef } from '../domain/run/run-id';
import { dagRunWorkflow, dagRunWorkflowId } from './dag-run';
import { QmtlMode, QmtlStatus, QmtlStrategyId, QmtlWorldId } from './search-attributes';
import type { WorldStanding } from './strategy-decisions';
import { superviseRuns, type RunsOutcome, type StrategyRun } from './strategy-runs';

/** Worlds whose current decision lets the strategy trade on paper. */
export const paperWorlds = (standings: readonly WorldStanding[]): string[] =>
  standings.filter((s) => s.effective_mode === 'paper').map((s) => s.world_id);

/** Starts one paper run per world and waits as runBacktests does; the runs are appended to `runs`. */
export async function startPaperRuns(
  strategyId: string,
  worldIds: readonly string[],
  runs: StrategyRun[],
  stopRequest: () => string | undefined,
): Promise<RunsOutcome> {
  const handles = [];
  const started: StrategyRun[] = [];
  for (const worldId of worldIds) {
    if (stopRequest() !== undefined) break;
    const ref: RunRef = { strategyId, worldId, mode: 'paper', n: 1 };
    const runId = dagRunWorkflowId(ref);
    handles.push(
      await startChild(dagRunWorkflow, {
        workflowId: runId,
        args: [ref],
        parentClosePolicy: 'REQUEST_CANCEL',
        typedSearchAttributes: [
          { key: QmtlStrategyId, value: strategyId },
          { key: QmtlWorldId, value: [worldId] },
          { key: QmtlMode, value: 'paper' },
          { key: QmtlStatus, value: 'planning' },
        ],
        staticSummary: `Paper trading of strategy ${strategyId.slice(0, 12)}… in world ${worldId}`,
      }),
    );
    const run: StrategyRun = { runId, worldId, mode: 'paper', status: 'running' };
    runs.push(run);
    started.push(run);
  }
  return superviseRuns(handles, started, stopRequest);
}
