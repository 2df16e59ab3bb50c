/**
 * reconcile:{venue}:{account} — keeps the order and account workflows of one
 * venue account in step with the venue (SPEC §8). Each pass reads our side
 * and the venue's, diffs them (domain/execution/reconcile) and applies the
 * repairs; then it sleeps for the interval, or until a `now` signal (workers
 * send one at start-up). Long-lived: continues as new every `cycles` passes.
 */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  balanceDifferences,
  countActions,
  reconcile,
  type AccountSeen,
  type DifferenceSeen,
  type OrphanPolicy,
  type ReconcileAction,
  type ReconcileActionKind,
} from '../domain/execution/reconcile';
import type { ReconcileActivities } from '../activities/reconcile';
import { venueRead, workflowMessage } from './activity-options';
import type { TradingMode } from './order-messages';

export interface ReconcileWorkflowInput {
  venue: string;
  account: string;
  /** Pause between passes (config.reconcileIntervalMs). */
  intervalMs: number;
  /** What to do with an open venue order no workflow tracks (config.orphanPolicy). */
  orphanPolicy: OrphanPolicy;
  /** Passes per run before continue-as-new (default 100). */
  cycles?: number;
  /** How long an order of ours may be unknown to the venue before it is asked to sync (default 60 s). */
  graceMs?: number;
  /** Mode adopted orders run in (default: paper on `sim`, live elsewhere). */
  mode?: TradingMode;
  /** The last pass, handed over by continue-as-new. */
  last?: ReconcileSummary;
  /** A balance difference the last pass saw, handed over by continue-as-new (resynced if seen again). */
  differenceSeen?: DifferenceSeen;
}

/** What the `reconcile` query answers: the last pass. */
export interface ReconcileSummary {
  /** Counts across runs (continue-as-new carries it). */
  pass: number;
  /** When the venue was read, epoch ms. */
  at: number;
  /** Repairs made, by kind. */
  applied: Record<ReconcileActionKind, number>;
  /** Repairs found moot when applied (a workflow listed late, an order already gone). */
  skipped: number;
  /** Orders the venue reported (open, or asked about) and running order workflows seen. */
  venueOrders: number;
  workflows: number;
  /** Why the pass failed; the next one tries again. */
  error?: string;
}

export const reconcileWorkflowId = (venue: string, account: string): string =>
  `reconcile:${venue}:${account}`;

export const reconcileQuery = defineQuery<ReconcileSummary | undefined>('reconcile');
/** Run a pass at once (worker start, an operator after an incident). */
export const reconcileNowSignal = defineSignal('now');
/** End after the pass in flight, or after the first one (an account taken out of service, a one-off pass). */
export const stopReconcileSignal = defineSignal('stop');

export const DEFAULT_RECONCILE_CYCLES = 100;
export const DEFAULT_RECONCILE_GRACE_MS = 60_000;

export async function reconcileWorkflow(
  input: ReconcileWorkflowInput,
): Promise<ReconcileSummary | undefined> {
  let last = input.last;
  let differenceSeen = input.differenceSeen;
  let wake = false;
  let stopping = false;
  setHandler(reconcileQuery, () => last);
  setHandler(reconcileNowSignal, () => void (wake = true));
  setHandler(stopReconcileSignal, () => void (stopping = true));

  const cycles = input.cycles ?? DEFAULT_RECONCILE_CYCLES;
  // At least one pass per run: a `stop` sent with the start still reconciles once.
  for (let cycle = 0; cycle < cycles; cycle++) {
    wake = false; // a `now` arriving during the pass asks for another one
    ({ summary: last, differenceSeen } = await reconcilePass(input, (last?.pass ?? 0) + 1, differenceSeen));
    if (stopping) break;
    await condition(() => wake || stopping, input.intervalMs);
    if (stopping || workflowInfo().continueAsNewSuggested) break;
  }
  if (stopping) return last;
  // The next run starts with a pass, so a `now` lost in the hand-over is still served.
  const { differenceSeen: _handedOver, ...rest } = input;
  return continueAsNew<typeof reconcileWorkflow>({
    ...rest,
    last,
    ...(differenceSeen !== undefined && { differenceSeen }),
  });
}

/** Resyncs carry the balances they were decided on, and only after a fill-free, twice-seen difference. */
export const RESYNC_BOOKED_ONCE_PATCH = 'reconcile-resync-booked-once';

async function reconcilePass(
  input: ReconcileWorkflowInput,
  pass: number,
  differenceSeen: DifferenceSeen | undefined,
): Promise<{ summary: ReconcileSummary; differenceSeen?: DifferenceSeen }> {
  // Decided before the pass's first activity, so a pass replays on the rule it ran with.
  const bookedOnce = patched(RESYNC_BOOKED_ONCE_PATCH);
  const { knownOrders, accountBalances, applyReconcileActions } =
    proxyActivities<ReconcileActivities>(workflowMessage);
  const { snapshotVenueAccount } = proxyActivities<ReconcileActivities>(venueRead);
  const { venue, account } = input;
  try {
    const [ours, booked] = await Promise.all([
      knownOrders({ venue, account }),
      accountBalances({ venue, account }),
    ]);
    const known = ours.map(({ clientOrderId, symbol }) => ({ clientOrderId, symbol }));
    const snapshot = await snapshotVenueAccount({ venue, account, known });
    const policy = { orphanPolicy: input.orphanPolicy, graceMs: input.graceMs ?? DEFAULT_RECONCILE_GRACE_MS };
    const ourBook = bookedOnce ? accountSeenOf(booked) : undefined;
    const decision = bookedOnce
      ? reconcile({
          venue: snapshot,
          ours,
          ...(ourBook !== undefined && { account: ourBook }),
          ...(differenceSeen !== undefined && { differenceSeen }),
          policy,
        })
      : {
          actions: legacyResync(
            reconcile({ venue: snapshot, ours, policy }).actions,
            booked,
            snapshot.balances,
          ),
        };
    const { actions } = decision;
    const result =
      actions.length === 0
        ? { applied: countActions([]), skipped: 0 }
        : await applyReconcileActions({
            venue,
            account,
            mode: input.mode ?? (venue === 'sim' ? 'paper' : 'live'),
            passKey: `${reconcileWorkflowId(venue, account)}:${workflowInfo().runId}:${pass}`,
            actions,
          });
    const summary = {
      pass,
      at: snapshot.at,
      ...result,
      venueOrders: snapshot.orders.length,
      workflows: ours.length,
    };
    return {
      summary,
      ...(decision.differenceSeen !== undefined && { differenceSeen: decision.differenceSeen }),
    };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The venue or Temporal stayed unreachable through the retries: report it, try next interval.
    // A failed pass breaks the run of passes a resync needs.
    const summary = {
      pass,
      at: Date.now(),
      applied: countActions([]),
      skipped: 0,
      venueOrders: 0,
      workflows: 0,
      error: innermostMessage(err),
    };
    return { summary };
  }
}

/** What `accountBalances` answered before it carried booked trade ids (a pass recorded then still replays). */
type BareTotals = Record<string, string>;

/** Without booked trade ids (an older worker answered) fills in flight cannot be told: no comparison. */
function accountSeenOf(answer: AccountSeen | BareTotals | undefined): AccountSeen | undefined {
  return answer !== undefined && Array.isArray(answer.bookedTradeIds) ? (answer as AccountSeen) : undefined;
}

/** The rule before RESYNC_BOOKED_ONCE_PATCH: resync (bare) whenever no fill or sync is to be made. */
function legacyResync(
  actions: ReconcileAction[],
  answer: AccountSeen | BareTotals | undefined,
  venueBalances: Record<string, string>,
): ReconcileAction[] {
  if (answer === undefined || actions.some((a) => a.kind === 'fill' || a.kind === 'sync')) return actions;
  const totals = accountSeenOf(answer)?.totals ?? (answer as BareTotals);
  const differences = balanceDifferences(totals, venueBalances);
  return differences.length === 0 ? actions : [...actions, { kind: 'resync_account', differences }];
}

/** An ActivityFailure's own message only names the activity; the cause says what went wrong. */
function innermostMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
