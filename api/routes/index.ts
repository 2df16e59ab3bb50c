/** Every resource router of the Gateway beyond the built-in ones (health, keys, docs, metrics). */
import type { Store } from '../../activities/store/port';
import type { NodeTypeCatalog } from '../../domain/dag/node-types';
import type { RouteSpec } from '../route';
import type { TemporalGateway } from '../temporal-client';
import { temporalRebalancing } from '../temporal-rebalancing';
import { allocationRoutes } from './allocations';
import { brokerageRoutes } from './brokerage';
import { dataRoutes } from './data';
import { dagRoutes } from './dags';
import { dashboardRoutes } from './dashboard';
import { visibilityOrderListing } from '../dashboard/orders';
import { eventRoutes } from './events';
import { killSwitchRoutes, temporalKillSwitchControl } from './kill-switch';
import { orderRoutes } from './orders';
import { rebalancingRoutes } from './rebalancing';
import { riskHubRoutes } from './risk-hub';
import { runRoutes } from './runs';
import { strategyRoutes } from './strategies';
import { worldActivationRoutes } from './world-activation';
import { worldApplyRoutes } from './world-apply';
import { worldAuditRoutes } from './world-audit';
import { worldBindingRoutes } from './world-bindings';
import { worldEvaluateRoutes } from './world-evaluate';
import { worldPolicyRoutes } from './world-policies';
import { worldPromotionRoutes } from './world-promotions';
import { worldRoutes } from './worlds';

export function resourceRoutes(deps: {
  store: Store;
  temporal: TemporalGateway;
  /** Node types DAGs may use: built-ins and the configured plugins (default: built-ins). */
  catalog?: NodeTypeCatalog;
  /** DAY orders on venues without sessions end at this UTC time (config.dayCutoffUtc; default 00:00). */
  dayCutoffUtc?: string;
  /** How often working orders poll their venue (config.orderPollMs). */
  orderPollMs?: number;
}): RouteSpec[] {
  return [
    ...strategyRoutes(deps),
    ...dagRoutes(deps),
    ...worldRoutes(deps),
    ...worldPolicyRoutes(deps),
    ...worldBindingRoutes(deps),
    ...worldEvaluateRoutes(deps),
    ...worldActivationRoutes(deps),
    ...worldApplyRoutes(deps),
    ...worldPromotionRoutes(deps),
    ...worldAuditRoutes(deps),
    ...dataRoutes(deps),
    ...runRoutes(deps),
    ...brokerageRoutes(),
    ...orderRoutes(deps),
    ...killSwitchRoutes({ ...deps, kills: temporalKillSwitchControl(deps.temporal.client) }),
    ...eventRoutes(deps),
    ...allocationRoutes({ ...deps, rebalancing: temporalRebalancing(deps.temporal.client) }),
    ...rebalancingRoutes({ ...deps, rebalancing: temporalRebalancing(deps.temporal.client) }),
    ...riskHubRoutes(deps),
    ...dashboardRoutes({ ...deps, orders: visibilityOrderListing(deps.temporal.client) }),
  ];
}
