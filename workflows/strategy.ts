/**
 * strategy:{strategyId} — one submission's lifecycle (SPEC §4): queued →
 * processing (load the stored DAG, bind worlds default-safe) → running (a
 * backtest DAG run per world, as child workflows) → completed when every run
 * completed, failed when one failed, stopped on request (the runs are stopped
 * too). Each world then evaluates its finished backtest and says which mode
 * the strategy may run in (strategy-decisions.ts); a world that selected it
 * is asked to promote it to paper, and where that happened its paper run
 * starts and the strategy keeps running with it (strategy-promotion.ts,
 * strategy-paper.ts). The DAG itself never enters the history; only its id does.
 */
import {
  condition,
  defineQuery,
  defineSignal,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  ActivityFailure,
} from '@temporalio/workflow';
import { nextStrategyStatus, type StrategyEvent, type StrategyStatus } from '../domain/strategy/lifecycle';
import type { StrategyActivities } from '../activities/strategy';
import { storeCall } from './activity-options';
import { QmtlStatus } from './search-attributes';
import { runBacktests, type RunsOutcome, type StrategyRun } from './strategy-runs';
import { askWorlds, type WorldStanding } from './strategy-decisions';
import { paperWorlds, startPaperRuns } from './strategy-paper';
import { promotable, promoteSelected, type PromotionStanding } from './strategy-promotion';

export interface StrategyWorkflowInput {
  strategyId: string;
  worldIds: string[];
  owner: string;
  submittedAt: string;
  /** Start the paper run in a world that promoted the strategy to paper (default true). */
  auto_paper?: boolean;
}

/** Until WorldService decides, every binding is compute-only (the default-safe rule). */
export interface WorldBinding {
  worldId: string;
  effectiveMode: 'compute-only';
  reason: string;
}

export interface StrategyState {
  strategyId: string;
  status: StrategyStatus;
  worldIds: string[];
  owner: string;
  submittedAt: string;
  nodeCount?: number;
  bindings: WorldBinding[];
  transitions: Array<{ status: StrategyStatus; at: string }>;
  /** One backtest run per bound world (absent in histories from before DAG runs). */
  runs?: StrategyRun[];
  /** Each world's evaluation of its completed run and its decision (absent in histories from before). */
  worlds?: WorldStanding[];
  /** Automatic promotions proposed after a selection (absent in histories from before). */
  promotions?: PromotionStanding[];
  stopReason?: string;
  error?: string;
}

export const strategyStatusQuery = defineQuery<StrategyState>('status');
export const stopStrategySignal = defineSignal<[{ reason?: string }]>('stop');

const { loadStrategyDigest } = proxyActivities<StrategyActivities>(storeCall);

export async function strategyWorkflow(input: StrategyWorkflowInput): Promise<StrategyState> {
  const state: StrategyState = {
    ...input,
    status: 'queued',
    bindings: [],
    transitions: [{ status: 'queued', at: new Date().toISOString() }],
  };
  let stopRequested = false;

  setHandler(strategyStatusQuery, () => state);
  setHandler(stopStrategySignal, ({ reason }) => {
    stopRequested = true;
    state.stopReason = reason ?? 'stop requested';
  });

  const move = (event: StrategyEvent): void => {
    state.status = nextStrategyStatus(state.status, event);
    state.transitions.push({ status: state.status, at: new Date().toISOString() });
    upsertSearchAttributes([{ key: QmtlStatus, value: state.status }]);
  };

  if (stopRequested) {
    move('stop');
    return state;
  }
  move('accept');
  try {
    const digest = await loadStrategyDigest(input.strategyId);
    state.nodeCount = digest.nodeCount;
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    state.error = err.cause?.message ?? err.message;
    log.warn('strategy could not be processed', { strategyId: input.strategyId, error: state.error });
    move('fail');
    return state;
  }
  state.bindings = input.worldIds.map((worldId) => ({
    worldId,
    effectiveMode: 'compute-only',
    reason: 'no_decision',
  }));
  if (stopRequested) {
    move('stop');
    return state;
  }
  move('bound');
  if (!patched('dag-runs-v1')) {
    // Strategies started before DAG runs existed stay running until stopped.
    await condition(() => stopRequested);
    move('stop');
    return state;
  }
  state.runs = [];
  const outcome = await runBacktests(input, state.runs, () => (stopRequested ? state.stopReason : undefined));
  if (outcome.event === 'fail') state.error = outcome.error;
  if (outcome.event !== 'stop' && patched('world-evaluation')) {
    state.worlds = [];
    await askWorlds(input.strategyId, state.runs, state.worlds, () => stopRequested);
    if (stopRequested) {
      move('stop');
      return state;
    }
    if (outcome.event === 'finish' && state.worlds.some(promotable) && patched('auto-promotion')) {
      const paper = await promoteAndPaperTrade(input, state, () =>
        stopRequested ? state.stopReason : undefined,
      );
      if (paper.event === 'fail') state.error = paper.error;
      move(paper.event);
      return state;
    }
  }
  move(outcome.event);
  return state;
}

/**
 * Selected in a world: proposed for paper there (strategy-promotion.ts), then
 * paper-traded wherever the world now says paper (strategy-paper.ts), unless
 * the submission turned automatic paper runs off. Live trading is never
 * started from here.
 */
async function promoteAndPaperTrade(
  input: StrategyWorkflowInput,
  state: StrategyState,
  stopRequest: () => string | undefined,
): Promise<RunsOutcome> {
  state.promotions = [];
  await promoteSelected(input.strategyId, state.worlds!, state.promotions, () => stopRequest() !== undefined);
  if (stopRequest() !== undefined) return { event: 'stop' };
  const worlds = input.auto_paper === false ? [] : paperWorlds(state.worlds!);
  if (worlds.length === 0) return { event: 'finish' };
  return startPaperRuns(input.strategyId, worlds, state.runs!, stopRequest);
}
