/**
 * What a paper or live DAG run is started with and answers (workflows/paper-run.ts):
 * its optional settings, the state continue-as-new hands over, the `progress`
 * query's shape, and the static summary starters give it. Types only, so the
 * strategy workflow and the API can import them without the loop.
 */
import type { PaperPlan } from '../activities/paper-run';
import type { PaperOrderStyle } from '../domain/run/paper';
import type { DagRunInput, DagRunProgress } from './dag-run';

/** What a paper/live run may be told beyond its ref; every field has a default. */
export interface PaperRunSettings {
  /** Trading venue and account (default: the traded input's exchange, account `default`). */
  venue?: string;
  account?: string;
  /** Bars handled before continuing as new (default 500). */
  bars_per_run?: number;
  /** Stop and kill switch leave the run's working orders alone (default: they are canceled). */
  leave_orders_open?: boolean;
  /** Market orders (default) or passive limits at an offset from the close. */
  order?: PaperOrderStyle;
  /** The orders' venue poll interval (the order workflow's default when absent). */
  order_poll_ms?: number;
  /** Pipeline risk limits in wire form, e.g. {maxPositionQty: {limit: "1", mode: "clip"}}. */
  risk_limits?: Record<string, unknown>;
}

/** Handed over by continue-as-new. */
export interface PaperRunCarried {
  plan: PaperPlan;
  venue: string;
  account: string;
  startedAt: string;
  bars_processed: number;
  orders_started: number;
  last_bar?: number;
  last_reason?: string;
  held_target?: number;
  peak_equity?: string;
  /** Client order ids of the run's orders still working at the hand-over. */
  open_orders: string[];
  /** The author's settings (meta.paper) when the starter gave none. */
  settings?: PaperRunSettings;
}

/** The `progress` query of a paper/live run: a DagRunProgress plus the loop's counters. */
export interface PaperRunProgress extends DagRunProgress {
  bars_processed: number;
  orders_started: number;
  /** Close (epoch ms) of the last bar handled. */
  last_bar?: number;
  /** Why the last bar started no order (a pipeline or gate reason), or ORDER_STARTED. */
  last_reason?: string;
  open_orders: string[];
}

/** A short line for the Temporal UI: the starter passes it as the run's static summary. */
export const paperRunSummary = (input: DagRunInput): string =>
  `${input.mode} run ${input.n} of strategy ${input.strategyId.slice(0, 12)}… in world ${input.worldId}`;
