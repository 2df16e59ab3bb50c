/**
 * How `apply:{world}:{run}` is started (by the Gateway, after the world
 * accepted the run with beginApply): on the control queue, once per run id,
 * filed under its world so the Temporal UI lists it with the world's runs.
 */
import { TypedSearchAttributes, type WorkflowIdReusePolicy } from '@temporalio/common';
import type { ApplyWorkflowInput } from './apply-messages';
import { QmtlWorldId } from './search-attributes';
import { CONTROL_QUEUE } from './task-queues';
import { applyWorkflowId } from './world-messages';

export function applyStartOptions(input: ApplyWorkflowInput) {
  return {
    workflowId: applyWorkflowId(input.world_id, input.run_id),
    taskQueue: CONTROL_QUEUE,
    args: [input] as [ApplyWorkflowInput],
    // A run id is applied once; starting it again (a replayed POST) finds the existing run.
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as WorkflowIdReusePolicy,
    typedSearchAttributes: new TypedSearchAttributes([{ key: QmtlWorldId, value: [input.world_id] }]),
    staticSummary: `apply ${input.run_id} on world ${input.world_id}${input.require_acks ? '' : ' (no acks)'}`,
  };
}
