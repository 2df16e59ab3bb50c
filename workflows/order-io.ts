/**
 * The order workflow's traffic with the outside (SPEC §8): venue calls that
 * come back undefined once their retries run out (the loop decides what then),
 * fills forwarded to the account, the release, the audit of late fills.
 */
import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/orders';
import { storeCall, venueOrderCall } from './activity-options';
import type { OrderControl, VenueSnapshot } from './order-control';
import {
  accountFillSignal,
  accountReleaseSignal,
  accountWorkflowId,
  type OrderWorkflowInput,
} from './order-messages';

const venue = proxyActivities<OrderActivities>(venueOrderCall);
const audit = proxyActivities<OrderActivities>(storeCall);

export type VenueIo = ReturnType<typeof venueIo>;

/** The order's traffic: venue calls that return undefined when out of retries, account signals, audit. */
export function venueIo(control: OrderControl, input: OrderWorkflowInput) {
  const ref = {
    venue: input.venue,
    account: input.account,
    symbol: input.symbol,
    clientOrderId: input.clientOrderId,
  };
  const account = getExternalWorkflowHandle(accountWorkflowId(input.venue, input.account));
  const attempt = async (call: () => Promise<VenueSnapshot>): Promise<VenueSnapshot | undefined> => {
    try {
      return await call();
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('venue call failed', { orderId: input.clientOrderId, error: innermost(err) });
      return undefined;
    }
  };
  const io = {
    account,
    sync: () => attempt(() => venue.syncVenueOrder(ref)),
    cancel: () => attempt(() => venue.cancelVenueOrder(ref)),
    pending: () => control.toAccount.length > 0 || control.toAudit.length > 0,
    idle: () => !io.pending() && control.request === undefined && !control.syncRequested,
    /** Sends booked fills to the account and audits late ones, oldest first. */
    async forward(): Promise<void> {
      while (control.toAccount.length > 0) {
        const { liquidity: _liquidity, ...fill } = control.toAccount[0]!;
        const { clientOrderId: orderId, symbol, side } = input;
        await account.signal(accountFillSignal, { orderId, symbol, side, ...fill }).catch((err) =>
          log.warn('fill not forwarded to the account', {
            orderId,
            tradeId: fill.tradeId,
            error: innermost(err),
          }),
        );
        control.toAccount.shift();
      }
      while (control.toAudit.length > 0) {
        // The late fill stays in the order's view either way; reconciliation reads it there too.
        await audit
          .recordLateFill({ orderId: input.clientOrderId, ...control.toAudit[0]! })
          .catch((err) =>
            log.error('late fill not audited', { orderId: input.clientOrderId, error: innermost(err) }),
          );
        control.toAudit.shift();
      }
    },
    /** Fills forwarded, then the reservation released (once). */
    async settle(): Promise<void> {
      await io.forward();
      if (!control.reserved || control.released) return;
      control.released = true;
      await account
        .signal(accountReleaseSignal, { orderId: input.clientOrderId })
        .catch((err) =>
          log.warn('release not delivered', { orderId: input.clientOrderId, error: innermost(err) }),
        );
    },
  };
  return io;
}

/** Cash is counted in the quote currency: `BTC/USDT` → USDT (`BTC/USDT:USDT` perpetuals too). */
export function quoteOf(symbol: string): string {
  return symbol.split('/')[1]?.split(':')[0] ?? symbol;
}

/** The ApplicationFailure type under an ActivityFailure, if any. */
export function failureType(err: unknown): string | undefined {
  for (let current: unknown = err; current instanceof Error; current = current.cause) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
  }
  return undefined;
}

/** The innermost message: an ActivityFailure's own message only says which activity failed. */
export function innermost(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
