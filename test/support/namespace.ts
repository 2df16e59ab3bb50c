import type { Client } from '@temporalio/client';
import Long from 'long';

/** Registers a namespace and waits until the frontend serves it. */
export async function registerNamespace(client: Client, namespace: string): Promise<void> {
  await client.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) },
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await client.workflowService.describeNamespace({ namespace });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`namespace ${namespace} did not become available`);
}
