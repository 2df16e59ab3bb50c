/**
 * A paper or live DAG run (SPEC §4): the `dagRunWorkflow` of mode paper/live.
 * Bar by bar on workflow time it sleeps to the next bar close, asks one
 * activity for the bar's decision (kill switch, node outputs, world gate,
 * account, pipeline), and starts the order it yields under the intent id
 * `{runId}:{barClose}`. Fills book in the account workflow through the
 * order workflow. It continues as new every `bars_per_run` bars; stop or an
 * engaged kill switch end it, canceling the orders it started unless told
 * to leave them. Only ids, counters and the plan's ids travel in history.
 */
import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { DagRunActivities } from '../activities/dag-run';
import type { PaperRunActivities, PaperStepResult } from '../activities/paper-run';
import type { RunRecord } from '../activities/store/port';
import { Dec } from '../domain/execution/symbol';
import { DEFAULT_BARS_PER_RUN, nextBarClose } from '../domain/run/paper';
import { runIdOf } from '../domain/run/run-id';
import { storeCall, workflowMessage } from './activity-options';
import { publishAfterFill } from './portfolio-snapshot';
import {
  dagRunProgressQuery,
  stopRunSignal,
  type DagRunInput,
  type DagRunResult,
  type dagRunWorkflow,
} from './dag-run';
import type { PaperRunCarried, PaperRunProgress, PaperRunSettings } from './paper-run-messages';
import { QmtlMode, QmtlStatus } from './search-attributes';

/** One bar's decision: reads the store, a venue, the world and the account; retried, then the bar is skipped. */
const barStep: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '15 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['NotFound', 'InvalidInput', 'VenueRejected', 'E_NODE_PARAMS', 'E_NODE_INPUTS'],
  },
};

/** A bar close a few moments late, so the venue has published it. */
const SETTLE_MS = 1_000;

/** The body of `dagRunWorkflow` for mode paper or live (it dispatches here; not a workflow type of its own). */
export async function paperRun(input: DagRunInput): Promise<DagRunResult> {
  const runId = runIdOf(input);
  const mode = input.mode === 'live' ? 'live' : 'paper';
  // The starter's settings, else the author's (meta.paper, read when the run is planned).
  let settings: PaperRunSettings = input.paper ?? {};
  const { planRun, recordRun } = proxyActivities<DagRunActivities>(storeCall);
  const { paperStep } = proxyActivities<PaperRunActivities>(barStep);
  const orders = proxyActivities<PaperRunActivities>(workflowMessage);

  const before = input.carried;
  const progress: PaperRunProgress = {
    run_id: runId,
    mode: input.mode,
    status: before ? 'running' : 'planning',
    inputs_total: before?.plan.inputs.length ?? 0,
    inputs_ready: before?.plan.inputs.length ?? 0,
    nodes_total: before?.plan.steps.length ?? 0,
    nodes_done: 0,
    nodes_reused: 0,
    bars_processed: before?.bars_processed ?? 0,
    orders_started: before?.orders_started ?? 0,
    ...(before?.last_bar !== undefined ? { last_bar: before.last_bar } : {}),
    ...(before?.last_reason !== undefined ? { last_reason: before.last_reason } : {}),
    open_orders: [...(before?.open_orders ?? [])],
  };
  let stopReason: string | undefined;
  const scope = new CancellationScope();
  // Handlers first: a query or stop may arrive while the run is still planning.
  setHandler(dagRunProgressQuery, () => ({ ...progress, open_orders: [...progress.open_orders] }));
  setHandler(stopRunSignal, (args) => {
    stopReason ??= args?.reason ?? 'stop requested';
    scope.cancel();
  });
  const carried = before ?? (await firstRun());
  settings = input.paper ?? carried.settings ?? {};
  Object.assign(progress, {
    status: 'running',
    inputs_total: carried.plan.inputs.length,
    inputs_ready: carried.plan.inputs.length,
    nodes_total: carried.plan.steps.length,
  });
  let peakEquity = carried.peak_equity;
  let heldTarget = carried.held_target;
  upsertSearchAttributes([
    { key: QmtlMode, value: input.mode },
    { key: QmtlStatus, value: 'running' },
  ]);
  const record = (status: RunRecord['status'], error?: string) =>
    recordRun({
      runId,
      strategyId: input.strategyId,
      worldId: input.worldId,
      mode: input.mode,
      status,
      window: null,
      metrics: { bars_processed: progress.bars_processed, orders_started: progress.orders_started },
      nodes: [],
      startedAt: carried.startedAt,
      ...(error !== undefined ? { error } : {}),
    });

  const handle = async (barClose: number, step: PaperStepResult): Promise<void> => {
    progress.bars_processed += 1;
    progress.last_bar = barClose;
    if ('equity' in step && step.equity !== undefined)
      peakEquity = Dec.max(peakEquity ?? step.equity, step.equity).toFixed();
    if (step.kind === 'killed') {
      stopReason = step.reason;
      return;
    }
    if (step.kind === 'rejected') {
      progress.last_reason = step.reason;
      // Already there: the target is acted on. Any other rejection leaves it to be tried again.
      if (step.reason === 'NO_CHANGE') heldTarget = step.target;
      return;
    }
    heldTarget = step.target;
    // Not cancellable: a stop mid-start must still learn the id, or it could not cancel the order.
    const id = await CancellationScope.nonCancellable(() =>
      orders.startPaperOrder({
        runId,
        worldId: input.worldId,
        strategyId: input.strategyId,
        mode,
        venue: carried.venue,
        account: carried.account,
        barClose,
        symbol: step.symbol,
        side: step.side,
        qty: step.qty,
        ...(step.limitPrice !== undefined ? { limitPrice: step.limitPrice } : {}),
        ...(settings.order_poll_ms !== undefined ? { pollIntervalMs: settings.order_poll_ms } : {}),
      }),
    );
    progress.orders_started += 1;
    progress.last_reason = 'ORDER_STARTED';
    if (!progress.open_orders.includes(id)) progress.open_orders.push(id);
  };

  const barsPerRun = settings.bars_per_run ?? DEFAULT_BARS_PER_RUN;
  /** The target the run last canceled its working orders for (once per target). */
  let retargeted: number | undefined;
  try {
    await scope.run(async () => {
      for (let bars = 0; bars < barsPerRun && stopReason === undefined; bars++) {
        const barClose = nextBarClose(Date.now(), carried.plan.intervalMs, progress.last_bar);
        await sleep(barClose - Date.now() + SETTLE_MS);
        const decide = () =>
          paperStep({
            runId,
            strategyId: input.strategyId,
            worldId: input.worldId,
            mode,
            venue: carried.venue,
            account: carried.account,
            barClose,
            plan: carried.plan,
            order: settings.order ?? { type: 'market' },
            ...(peakEquity !== undefined ? { peakEquity } : {}),
            ...(heldTarget !== undefined ? { heldTarget } : {}),
            ...(settings.risk_limits !== undefined ? { limits: settings.risk_limits } : {}),
          }).catch((err: unknown) => skippable(err));
        let step = await decide();
        const moved = movedTarget(step, heldTarget);
        if (moved !== undefined && moved !== retargeted && progress.open_orders.length > 0) {
          // Orders resting for the old target would trade against the new one: cancel, then size again.
          if (patched(CANCEL_ON_RETARGET)) {
            retargeted = moved;
            const open = await orders.workingPaperOrders({ clientOrderIds: progress.open_orders });
            for (const clientOrderId of open)
              await orders.cancelPaperOrder({
                runId,
                clientOrderId,
                reason: 'target changed',
                cause: 'retarget',
              });
            if (open.length > 0) {
              // Nothing works for the old target any more: the next decision starts afresh.
              heldTarget = undefined;
              step = await decide();
            }
          }
        }
        await handle(barClose, step);
        // A fill changed the run's returns: the risk hub hears of it (advisory).
        if (step.kind !== 'killed' && step.positionChanged) await publishAfterFill(input.worldId);
      }
    });
  } catch (err) {
    if (!isCancellation(err)) {
      const error = innermostMessage(err);
      progress.status = 'failed';
      progress.error = error;
      upsertSearchAttributes([{ key: QmtlStatus, value: 'failed' }]);
      await record('failed', error);
      throw ApplicationFailure.create({
        type: 'DagRunFailed',
        message: `run ${runId} failed: ${error}`,
        nonRetryable: true,
      });
    }
  }

  if (stopReason === undefined) {
    // bars_per_run reached: hand over, keeping only the orders still working.
    const open = await orders.workingPaperOrders({ clientOrderIds: progress.open_orders });
    return continueAsNew<typeof dagRunWorkflow>({
      ...input,
      carried: {
        ...carried,
        bars_processed: progress.bars_processed,
        orders_started: progress.orders_started,
        ...(progress.last_bar !== undefined ? { last_bar: progress.last_bar } : {}),
        ...(progress.last_reason !== undefined ? { last_reason: progress.last_reason } : {}),
        ...(peakEquity !== undefined ? { peak_equity: peakEquity } : {}),
        ...(heldTarget !== undefined ? { held_target: heldTarget } : {}),
        open_orders: open,
      },
    });
  }

  const reason = stopReason;
  await CancellationScope.nonCancellable(async () => {
    if (!settings.leave_orders_open) {
      const open = await orders.workingPaperOrders({ clientOrderIds: progress.open_orders });
      for (const clientOrderId of open) await orders.cancelPaperOrder({ runId, clientOrderId, reason });
      progress.open_orders = [];
    }
    progress.status = 'stopped';
    progress.stop_reason = reason;
    upsertSearchAttributes([{ key: QmtlStatus, value: 'stopped' }]);
    await record('stopped', reason);
  });
  log.info('run stopped', { runId, reason });
  return { runId, status: 'stopped', metrics: {}, simulated: false, stopReason: reason };

  /** Plans the run once, on its first execution: the traded node, its inputs, the bar interval. */
  async function firstRun(): Promise<PaperRunCarried> {
    const startedAt = workflowInfo().startTime.toISOString();
    const base = {
      runId,
      strategyId: input.strategyId,
      worldId: input.worldId,
      mode: input.mode,
      window: null,
      metrics: {},
      nodes: [],
      startedAt,
    };
    const fail = async (error: string): Promise<never> => {
      progress.status = 'failed';
      progress.error = error;
      await recordRun({ ...base, status: 'failed', error });
      throw ApplicationFailure.nonRetryable(`run ${runId} failed: ${error}`, 'DagRunFailed');
    };
    await recordRun({ ...base, status: 'running' });
    const plan = await planRun({
      strategyId: input.strategyId,
      worldId: input.worldId,
      mode: input.mode,
      startedAtMs: workflowInfo().startTime.getTime(),
    }).catch((err: unknown) => fail(innermostMessage(err)));
    const target = plan.target;
    if (target === undefined) return fail('the DAG has no traded node: a paper or live run needs one');
    const priceSeries = plan.inputs.find((i) => i.nodeId === target.priceNodeId)!.seriesId;
    const settings = input.paper ?? plan.paper ?? {};
    return {
      ...(input.paper === undefined && plan.paper !== undefined && { settings: plan.paper }),
      plan: { intervalMs: plan.window.intervalMs, inputs: plan.inputs, steps: plan.steps, target },
      venue: settings.venue ?? priceSeries.split(':')[1]!,
      account: settings.account ?? 'default',
      startedAt,
      bars_processed: 0,
      orders_started: 0,
      open_orders: [],
    };
  }
}

/** Patch id: a changed target cancels the run's working orders before its own order is sized. */
export const CANCEL_ON_RETARGET = 'paper-cancel-on-retarget';

/** The step's target when it differs from the one acted on last; undefined when unchanged or unknown. */
function movedTarget(step: PaperStepResult, held: number | undefined): number | undefined {
  if (step.kind === 'submit') return step.target;
  if (step.kind !== 'rejected' || step.target === undefined) return undefined;
  return step.target === held ? undefined : step.target;
}

/** A bar whose step kept failing is skipped (the next bar decides afresh); a terminal failure fails the run. */
function skippable(err: unknown): PaperStepResult {
  if (isCancellation(err)) throw err;
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.nonRetryable) throw err;
  log.warn('bar step failed; bar skipped', { error: String(err) });
  return { kind: 'rejected', reason: 'STEP_FAILED', detail: cause?.message ?? String(err) };
}

function innermostMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
