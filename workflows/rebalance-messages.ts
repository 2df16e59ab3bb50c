/**
 * What the allocation and rebalance workflows take and answer (SPEC §4 `alloc:{runId}`,
 * `rebalance:{runId}`), in wire form (decimal strings). Shared by the workflows,
 * their activities and the Gateway, so each side names the same messages.
 */
import { defineQuery } from '@temporalio/workflow';
import type { OrderState } from '../domain/execution/order-state';
import type { OrderSide } from '../domain/execution/symbol';
import type { RebalancePlan, RebalancePosition } from '../domain/world/rebalance';

export const allocationWorkflowId = (runId: string): string => `alloc:${runId}`;
export const rebalanceWorkflowId = (runId: string): string => `rebalance:${runId}`;
/** Orders travel in the workflow's input and history: a short list only (SPEC §4, no data arrays). */
export const MAX_REBALANCE_ORDERS = 200;
/** Strategies net per world under this strategy id when orders are not sent per strategy. */
export const NETTED_STRATEGY = 'rebalance';

export type RebalanceTif = 'GTC' | 'IOC' | 'FOK';

/** One market order of a rebalance; `quantity` is signed (negative sells). */
export interface RebalanceOrderSpec {
  worldId: string;
  strategyId: string;
  venue: string;
  account: string;
  symbol: string;
  quantity: string;
  side: OrderSide;
  reduceOnly: boolean;
  timeInForce: RebalanceTif;
}

export interface RebalanceInput {
  runId: string;
  orders: RebalanceOrderSpec[];
  /** API key id that asked for it (audit). */
  actor: string;
}

export interface RebalanceOrderOutcome {
  client_order_id: string;
  world_id: string;
  strategy_id: string;
  symbol: string;
  venue: string;
  quantity: string;
  /** The order's end state; SKIPPED: never sent (reduce-only that would not reduce); FAILED: its workflow failed. */
  status: OrderState | 'SKIPPED' | 'FAILED';
  filled_qty: string;
  avg_price: string;
  reason?: string;
}

export interface RebalanceResult {
  run_id: string;
  orders: RebalanceOrderOutcome[];
}

export type RebalancePhase = 'submitting' | 'waiting' | 'done';

export const rebalanceQuery = defineQuery<{ phase: RebalancePhase; orders: RebalanceOrderOutcome[] }>(
  'rebalance',
);

/** An allocation request as the Gateway normalised it: fractions as decimal strings. */
export interface AllocationRequestWire {
  total_equity: string;
  /** Fractions of total equity after this allocation. */
  world_allocations: Record<string, string>;
  /** Strategy fractions within each world after this allocation. */
  strategy_allocations?: Record<string, Record<string, string>>;
  positions: RebalancePosition[];
  min_trade_notional: string;
  lot_size_by_symbol?: Record<string, string>;
  execute: boolean;
  account: string;
}

export interface AllocationInput {
  runId: string;
  request: AllocationRequestWire;
  actor: string;
}

/** A world's fractions before this allocation (its latest completed one; absent: never allocated). */
export interface FractionsBefore {
  fraction: string;
  strategies?: Record<string, string>;
}

export type AllocationResult =
  | {
      run_id: string;
      status: 'completed';
      world_alloc_before: Record<string, string>;
      world_alloc_after: Record<string, string>;
      plan: Pick<RebalancePlan, 'per_world' | 'global_deltas' | 'orders_per_world'>;
      executed: boolean;
      execution?: RebalanceResult;
    }
  | { run_id: string; status: 'rejected' | 'failed'; detail: string };
