/** Every resource router of the Gateway beyond the built-in ones (health, keys, docs, metrics). */
import type { Store } from '../../activities/store/port';
import type { NodeTypeCatalog } from '../../domain/dag/node-types';
import type { RouteSpec } from '../route';
import type { TemporalGateway } from '../temporal-client';
import { dataRoutes } from './data';
import { dagRoutes } from './dags';
import { runRoutes } from './runs';
import { strategyRoutes } from './strategies';
import { worldRoutes } from './worlds';

export function resourceRoutes(deps: {
  store: Store;
  temporal: TemporalGateway;
  /** Node types DAGs may use: built-ins and the configured plugins (default: built-ins). */
  catalog?: NodeTypeCatalog;
}): RouteSpec[] {
  return [
    ...strategyRoutes(deps),
    ...dagRoutes(deps),
    ...worldRoutes(deps),
    ...dataRoutes(deps),
    ...runRoutes(deps),
  ];
}
