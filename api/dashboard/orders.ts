/**
 * A world's orders for the dashboard, read from Temporal's visibility store
 * (`QmtlWorldId`, `QmtlOrderStatus`, … kept current by every order workflow).
 * Visibility is eventually consistent: an order placed a moment ago may show
 * a step late, which is fine for a page people reload.
 */
import type { Client } from '@temporalio/client';
import { TERMINAL_STATES, type OrderState } from '../../domain/execution/order-state';
import { WORLD_ID_PATTERN } from '../../domain/world/world';
import { QmtlMode, QmtlOrderStatus, QmtlSymbol, QmtlVenue } from '../../workflows/search-attributes';
import type { OrderRow } from './view';

export interface OrderListing {
  /** Open orders first, then the newest finished ones; at most `limit`. */
  worldOrders(worldId: string, limit: number): Promise<OrderRow[]>;
}

export function worldOrderQuery(worldId: string): string {
  // The id goes between quotes; world ids are validated to hold none.
  if (!WORLD_ID_PATTERN.test(worldId)) throw new RangeError(`not a world id: ${JSON.stringify(worldId)}`);
  return `WorkflowType='orderWorkflow' AND QmtlWorldId='${worldId}'`;
}

const isOpen = (status: string): boolean => !TERMINAL_STATES.includes(status as OrderState);

/** Open before finished, newest first within each. */
export function orderRowsForDisplay(rows: readonly OrderRow[], limit: number): OrderRow[] {
  const rank = (row: OrderRow): number => (isOpen(row.status) ? 0 : 1);
  return [...rows]
    .sort((a, b) => rank(a) - rank(b) || b.startedAt.localeCompare(a.startedAt))
    .slice(0, limit);
}

export function visibilityOrderListing(client: Client): OrderListing {
  return {
    async worldOrders(worldId, limit) {
      const rows: OrderRow[] = [];
      // Visibility lists newest first; a bounded window keeps the page cheap.
      const listing = client.workflow.list({ query: worldOrderQuery(worldId), pageSize: 100 });
      for await (const execution of listing) {
        const attrs = execution.typedSearchAttributes;
        rows.push({
          orderId: execution.workflowId.replace(/^order:/, ''),
          status: attrs.get(QmtlOrderStatus) ?? 'UNKNOWN',
          symbol: attrs.get(QmtlSymbol) ?? '',
          venue: attrs.get(QmtlVenue) ?? '',
          mode: attrs.get(QmtlMode) ?? '',
          summary: '',
          startedAt: execution.startTime.toISOString(),
        });
        if (rows.length >= 100) break;
      }
      // Lists do not carry the static summary; describe (no replay) fetches it for the rows shown.
      const shown = orderRowsForDisplay(rows, limit);
      return Promise.all(
        shown.map(async (row) => ({ ...row, summary: await summaryOf(client, row.orderId) })),
      );
    },
  };
}

async function summaryOf(client: Client, orderId: string): Promise<string> {
  try {
    const described = await client.workflow.getHandle(`order:${orderId}`).describe();
    return (await described.staticSummary()) ?? '';
  } catch {
    return ''; // a summary is a nicety; the row stands without it
  }
}
