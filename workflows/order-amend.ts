/**
 * Carrying out a cancel or replace the order's updates asked for (SPEC §8):
 * cancel at the venue, take in what it reports (a fill may win the race and
 * end the order FILLED), and for a replace start the child
 * `order:{clientOrderId(seq + 1)}` for the rest, abandoned by the parent.
 */
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { clientOrderId } from '../domain/execution/order';
import { Dec } from '../domain/execution/symbol';
import type { orderWorkflow } from './order';
import type { OrderControl, PendingRequest } from './order-control';
import { innermost, type VenueIo } from './order-io';
import { orderWorkflowId, type OrderWorkflowInput } from './order-messages';
import { EXEC_QUEUE } from './task-queues';

/** A cancel or replace from an update; the fill may win the race (FILLED, fill kept). */
export async function carryOut(
  control: OrderControl,
  input: OrderWorkflowInput,
  io: VenueIo,
  request: PendingRequest,
) {
  const ended = (await io.cancel()) ?? (await io.sync());
  const applied = ended
    ? control.absorb(ended, request.kind === 'cancel' ? 'CANCELED' : 'REPLACED')
    : undefined;
  if (request.kind === 'cancel') {
    if (!control.terminal) {
      control.move('CANCEL_REJECTED', 'venue did not cancel');
      request.failure = {
        type: 'CancelFailed',
        message: `venue did not cancel; order is ${control.order.state}`,
      };
    }
  } else if (control.order.state === 'PENDING_REPLACE') {
    control.move('REPLACE_REJECTED', 'venue did not cancel');
    request.failure = {
      type: 'ReplaceFailed',
      message: `venue did not cancel; order is ${control.order.state}`,
    };
  } else if (applied !== 'REPLACED') {
    request.failure = {
      type: 'ReplaceRejected',
      message: `order ended ${control.order.state} before the replace`,
    };
  } else {
    await startReplacement(control, input, io, request);
  }
  request.done = true;
  control.request = undefined;
}

/** The old order is CANCELED; the child `order:{id(seq + 1)}` works the rest at the new terms. */
async function startReplacement(
  control: OrderControl,
  input: OrderWorkflowInput,
  io: VenueIo,
  request: PendingRequest,
) {
  const rest = new Dec(request.qty!).minus(control.order.filledQty);
  if (!rest.gt(0)) {
    request.failure = {
      type: 'ReplaceRejected',
      message: `filled ${control.order.filledQty} before the cancel: nothing left`,
    };
    return;
  }
  const seq = input.replaceSeq + 1;
  const childId = clientOrderId(
    input.worldId,
    input.strategyId,
    input.intentId,
    seq,
    control.symbol!.clientOrderIdMaxLength,
  );
  control.replacedBy = childId;
  // Fills and the release reach the account before the child asks for its own reservation.
  await io.settle();
  const { carried: _carried, limitPrice: _limit, adopted: _adopted, ...terms } = input;
  try {
    await startChild<typeof orderWorkflow>('orderWorkflow', {
      workflowId: orderWorkflowId(childId),
      taskQueue: EXEC_QUEUE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          ...terms,
          clientOrderId: childId,
          replaceSeq: seq,
          qty: rest.toFixed(),
          ...(request.limitPrice !== undefined && { limitPrice: request.limitPrice }),
          replaces: input.clientOrderId,
        },
      ],
    });
    request.newOrderId = childId;
  } catch (err) {
    request.failure = {
      type: 'ReplaceFailed',
      message: `replacement ${childId} did not start: ${innermost(err)}`,
    };
  }
}
