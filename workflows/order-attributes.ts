/**
 * The `Qmtl*` search attributes of an order workflow (SPEC §4, §8): set when it
 * is started (activities/order-start.ts, for the Gateway and the system alike)
 * and upserted by the workflow itself (workflows/order.ts). Pairs, so they fit
 * `new TypedSearchAttributes(...)` and `upsertSearchAttributes(...)` both.
 */
import type { SearchAttributePair } from '@temporalio/common';
import type { OrderState } from '../domain/execution/order-state';
import type { OrderWorkflowInput } from './order-messages';
import {
  QmtlMode,
  QmtlOrderStatus,
  QmtlStrategyId,
  QmtlSymbol,
  QmtlVenue,
  QmtlWorldId,
} from './search-attributes';

export function orderSearchAttributePairs(
  input: OrderWorkflowInput,
  status: OrderState,
): SearchAttributePair[] {
  return [
    { key: QmtlWorldId, value: [input.worldId] },
    { key: QmtlStrategyId, value: input.strategyId },
    { key: QmtlSymbol, value: input.symbol },
    { key: QmtlVenue, value: input.venue },
    { key: QmtlMode, value: input.mode },
    { key: QmtlOrderStatus, value: status },
  ];
}
