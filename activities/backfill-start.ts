/**
 * Starting a window's backfill, or joining the one already running: one place
 * for the Seamless activity and the Gateway, so both start it with the same
 * id, queue, search attributes and summary. Client-side only; workflow code
 * never imports this (activities do not import workflow modules either, so the
 * workflow is named by its type string).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { BarRange, OhlcvSource } from '../domain/data/bars';
import { QmtlNodeId, QmtlStatus, QmtlSymbol, QmtlVenue } from '../workflows/search-attributes';
import { DATA_QUEUE } from '../workflows/task-queues';

/** Same id as workflows/backfill.ts `backfillWorkflowId`. */
export const backfillIdOf = (nodeId: string, window: BarRange): string =>
  `backfill:${nodeId}:${window.start}:${window.end}`;

/** The backfill's summary in the Temporal UI, e.g. `Backfill binance BTC/USDT 1m: 2025-03-01T00:00Z → …`. */
export function backfillSummary(source: OhlcvSource, window: BarRange): string {
  const at = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');
  return `Backfill ${source.exchange} ${source.symbol} ${source.timeframe}: ${at(window.start)} → ${at(window.end)}`;
}

/** Starts the window's backfill, or joins the one running (USE_EXISTING: one fetch per range). */
export async function startOrJoinBackfill(
  client: Client,
  input: { nodeId: string; window: BarRange; source: OhlcvSource },
): Promise<{ backfillId: string; handle: WorkflowHandle }> {
  const { nodeId, window, source } = input;
  const backfillId = backfillIdOf(nodeId, window);
  const handle = await client.workflow.start('backfillWorkflow', {
    workflowId: backfillId,
    taskQueue: DATA_QUEUE,
    args: [{ nodeId, start: window.start, end: window.end }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: new TypedSearchAttributes([
      { key: QmtlNodeId, value: nodeId },
      { key: QmtlVenue, value: source.exchange },
      { key: QmtlSymbol, value: source.symbol },
      { key: QmtlStatus, value: 'planning' },
    ]),
    staticSummary: backfillSummary(source, window),
  });
  return { backfillId, handle };
}
