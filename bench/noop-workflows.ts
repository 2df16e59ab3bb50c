/**
 * The benchmark's workflow bundle: every project workflow plus a bare no-op,
 * so both cases of bench/order-workflows.ts run on one worker and one server.
 */
export * from '../workflows';

/** The baseline: a workflow that starts, does nothing and completes. */
export async function noopWorkflow(): Promise<void> {}
