/**
 * The read-only dashboard: `GET /` is a data-free page shell (public), and
 * `GET /v1/dashboard` the rendered body for a reader key (api/dashboard/*).
 * Why the split: a browser cannot send a Bearer header on navigation, and a
 * key in a query string would be written to access logs.
 */
import { z } from 'zod';
import type { Store } from '../../activities/store/port';
import { gatherDashboard, type DashboardSources } from '../dashboard/gather';
import type { OrderListing } from '../dashboard/orders';
import { DASHBOARD_CSP, DASHBOARD_PAGE } from '../dashboard/page';
import { renderDashboard } from '../dashboard/render';
import { defineRoute, type RouteSpec } from '../route';

const HTML = 'text/html; charset=utf-8';

export interface DashboardRouteDeps {
  store: Store;
  temporal: DashboardSources['temporal'];
  orders: OrderListing;
  /** Epoch ms; tests pin it. */
  now?: () => number;
}

export function dashboardRoutes({
  store,
  temporal,
  orders,
  now = Date.now,
}: DashboardRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/',
      operationId: 'getDashboardPage',
      summary: 'The dashboard page: asks for an API key, then loads GET /v1/dashboard with it',
      tags: ['dashboard'],
      access: 'public',
      responses: { 200: { description: 'The page shell (no data)', schema: z.string(), contentType: HTML } },
      async handler() {
        return {
          status: 200,
          contentType: HTML,
          headers: {
            'Content-Security-Policy': DASHBOARD_CSP,
            'X-Content-Type-Options': 'nosniff',
            'Referrer-Policy': 'no-referrer',
          },
          body: DASHBOARD_PAGE,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/dashboard',
      operationId: 'getDashboard',
      summary:
        'Worlds with their strategies (stage, activation weight and mode, equity curve), last decisions and orders, as an HTML fragment',
      tags: ['dashboard'],
      access: 'reader',
      responses: {
        200: {
          description: 'The dashboard body (HTML, every value escaped)',
          schema: z.string(),
          contentType: HTML,
        },
      },
      async handler() {
        const view = await gatherDashboard({ store, temporal, orders }, now());
        return {
          status: 200,
          contentType: HTML,
          headers: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
          body: renderDashboard(view),
        };
      },
    }),
  ];
}
