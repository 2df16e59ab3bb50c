/**
 * A workflow execution's status name (RUNNING, COMPLETED, FAILED, …), or
 * undefined when no such workflow exists: how the Gateway tells "still
 * working" from "finished" before reading a query or a result.
 */
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';

export async function workflowStatus(handle: WorkflowHandle): Promise<string | undefined> {
  try {
    return (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
