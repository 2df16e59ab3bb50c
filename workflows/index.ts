/** Every workflow type the workers register; the bundle entry point. */
export { strategyWorkflow } from './strategy';
export { worldWorkflow } from './world';
export { backfillWorkflow } from './backfill';
export { dagRunWorkflow } from './dag-run';
export { reconcileWorkflow } from './reconcile';
export { killSwitchWorkflow } from './kill-switch';
export { orderWorkflow } from './order';
export { accountWorkflow } from './account';
export { applyWorkflow } from './apply';
export { allocationWorkflow } from './allocation';
export { rebalanceWorkflow } from './rebalance';
