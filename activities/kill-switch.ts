/**
 * The kill switch's I/O (SPEC §8): close the gate (the store's kill-switch
 * record), find the scope's working orders, cancel each through its order
 * workflow's `cancel` update, and start flattening market orders. Each step is
 * idempotent under the request id — the update id, the client order ids and
 * the audit keys all derive from it — so a retried activity repeats nothing.
 */
import { Context } from '@temporalio/activity';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { clientOrderId as deterministicClientOrderId } from '../domain/execution/order';
import { isTerminal, type OrderState } from '../domain/execution/order-state';
import { Dec, type OrderSide } from '../domain/execution/symbol';
import {
  accountQuery,
  accountWorkflowId,
  cancelOrderUpdate,
  orderQuery,
  orderWorkflowId,
} from '../workflows/order-messages';
import { visibilityOrderDirectory, type OrderDirectory } from './order-directory';
import { publishOnce } from './events';
import { flattenOrderInput, startOrderWorkflow } from './order-start';
import { killScopeKey, type KillScope, type KillSwitchRecord, type Store } from './store/port';
import type { OrderVenueLookup } from './venues/order-port';

export interface KillSwitchActivityDeps {
  store: Store;
  orderVenues: OrderVenueLookup;
  /** Default: the worker's client from the activity context. */
  client?: Client;
  /** Default: Temporal visibility over the client. */
  directory?: OrderDirectory;
  now?: () => number;
}

export interface KillRequest {
  scope: KillScope;
  flatten: boolean;
  reason: string;
  /** API key id (or `system`) that pulled the switch. */
  actor: string;
  /** Idempotency of the whole kill: the workflow id, update ids and audit keys carry it. */
  requestId: string;
}

/** How one order's cancel ended: its state afterwards, or `gone` when its workflow has ended. */
export interface KillCancelOutcome {
  clientOrderId: string;
  state: OrderState | 'gone';
}

export interface FlattenedOrder {
  symbol: string;
  side: OrderSide;
  qty: string;
  clientOrderId: string;
}

export function createKillSwitchActivities(deps: KillSwitchActivityDeps) {
  const now = deps.now ?? Date.now;
  const clientOf = () => deps.client ?? Context.current().client;
  const directoryOf = () => deps.directory ?? visibilityOrderDirectory(clientOf());
  const keyOf = (request: Pick<KillRequest, 'scope' | 'requestId'>) =>
    `kill:${killScopeKey(request.scope)}:${request.requestId}`;

  const audit = async (request: KillRequest, step: string, detail: Record<string, unknown>) => {
    await deps.store.audit.append({
      eventKey: `${keyOf(request)}:${step}`,
      at: new Date(now()).toISOString(),
      actor: request.actor,
      action: `kill_switch.${step.split(':')[0]}`,
      subject: killScopeKey(request.scope),
      detail: { requestId: request.requestId, ...detail },
    });
  };

  // ControlBus event of a kill step, keyed like its audit line: a retry publishes once.
  const publish = (request: KillRequest, step: string, detail: Record<string, unknown>) =>
    publishOnce(deps.store, {
      eventKey: `${keyOf(request)}:${step}`,
      topic: 'kill_switch',
      ...(request.scope.kind === 'world' ? { worldId: request.scope.worldId } : {}),
      key: killScopeKey(request.scope),
      payload: { scope_key: killScopeKey(request.scope), step, request_id: request.requestId, ...detail },
    });

  return {
    /** Closes the gate: the scope's record reads engaged from now on. */
    async engageKillSwitch(request: KillRequest): Promise<KillSwitchRecord> {
      const record: KillSwitchRecord = {
        scopeKey: killScopeKey(request.scope),
        scope: request.scope,
        engaged: true,
        reason: request.reason,
        flatten: request.flatten,
        by: request.actor,
        at: new Date(now()).toISOString(),
      };
      await deps.store.killSwitches.put(record);
      await audit(request, 'engaged', { reason: request.reason, flatten: request.flatten });
      await publish(request, 'engaged', { reason: request.reason, flatten: request.flatten });
      return record;
    },

    /** Client order ids of the scope's running order workflows (a venue scope: that account's only). */
    async openOrdersInScope({ scope }: { scope: KillScope }): Promise<string[]> {
      const client = clientOf();
      const listed = await directoryOf().runningOrders(
        scope.kind === 'world' ? { worldId: scope.worldId } : { venue: scope.venue },
      );
      const ids: string[] = [];
      for (const { workflowId } of listed) {
        const view = await client.workflow
          .getHandle(workflowId)
          .query(orderQuery)
          .catch(() => undefined); // ended since listed
        if (view === undefined || isTerminal(view.state)) continue;
        if (scope.kind === 'venue' && view.input.account !== scope.account) continue;
        ids.push(view.input.clientOrderId);
      }
      return ids;
    },

    /**
     * Cancels through the order workflow's update, under an update id of this
     * kill (a retry joins the same update). An order that has ended, or
     * whose cancel someone else already asked for, needs nothing more.
     */
    async cancelOrderForKill(request: KillRequest & { clientOrderId: string }): Promise<KillCancelOutcome> {
      const { clientOrderId } = request;
      const handle = clientOf().workflow.getHandle(orderWorkflowId(clientOrderId));
      let state: KillCancelOutcome['state'];
      try {
        const view = await handle.executeUpdate(cancelOrderUpdate, {
          args: [{ reason: `kill switch: ${request.reason}` }],
          updateId: `${keyOf(request)}:cancel`,
        });
        state = view.state;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) state = 'gone';
        else if (err instanceof WorkflowUpdateFailedError) state = await settledState(handle, err);
        else throw err;
      }
      await audit(request, `order_canceled:${clientOrderId}`, { clientOrderId, state });
      return { clientOrderId, state };
    },

    /** Non-zero positions of a venue account, by symbol (none without an account workflow). */
    async accountPositions({ venue, account }: { venue: string; account: string }) {
      try {
        const view = await clientOf()
          .workflow.getHandle(accountWorkflowId(venue, account))
          .query(accountQuery);
        return Object.entries(view.positions)
          .filter(([, qty]) => !new Dec(qty).isZero())
          .map(([symbol, qty]) => ({ symbol, qty }));
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return [];
        throw err;
      }
    },

    /**
     * Starts the market order that brings one position to zero. Its client
     * order id derives from (world `kill`, strategy scopeKey, intent
     * requestId:symbol, 0), so a retry finds the order it already started.
     */
    async startFlattenOrder(
      request: KillRequest & { venue: string; account: string; symbol: string; position: string },
    ): Promise<FlattenedOrder> {
      const position = new Dec(request.position);
      const side: OrderSide = position.isNegative() ? 'buy' : 'sell';
      const qty = position.abs().toString();
      const port = deps.orderVenues.orderVenue(request.venue, request.account);
      const scopeKey = killScopeKey(request.scope);
      const intentId = `${request.requestId}:${request.symbol}`;
      const id = deterministicClientOrderId('kill', scopeKey, intentId, 0, port.clientOrderIdMaxLength);
      try {
        await startOrderWorkflow(
          clientOf(),
          flattenOrderInput({ ...request, clientOrderId: id, scopeKey, intentId, side, qty }),
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      const flattened = { symbol: request.symbol, side, qty, clientOrderId: id };
      await audit(request, `flatten_started:${request.symbol}`, { ...flattened });
      return flattened;
    },

    /** One audit line for a step with no effect of its own (flatten skipped, completed). */
    async recordKillStep(request: KillRequest & { step: string; detail: Record<string, unknown> }) {
      await audit(request, request.step, request.detail);
      await publish(request, request.step, request.detail);
    },
  };
}

export type KillSwitchActivities = ReturnType<typeof createKillSwitchActivities>;

/** After a refused update: the order's state when it has ended or a cancel is pending; otherwise the refusal. */
async function settledState(
  handle: ReturnType<Client['workflow']['getHandle']>,
  refusal: WorkflowUpdateFailedError,
): Promise<KillCancelOutcome['state']> {
  const view = await handle.query(orderQuery).catch(() => undefined);
  if (view === undefined) return 'gone';
  if (isTerminal(view.state) || view.state === 'PENDING_CANCEL') return view.state;
  throw refusal; // e.g. a replace in flight: retried until it settles
}
