/**
 * Execution domain (SPEC §8): order state table, order value and fills, time
 * in force, symbol rules. Pure; imported by the order workflow and the
 * simulated venue alike.
 */
export * from './order-state';
export * from './order';
export * from './tif';
export * from './symbol';
