/**
 * Assembles the Gateway: request id + access log → metrics → routes (each
 * with its own auth/body/validation pipeline, api/mount.ts) → API reference
 * → 405 for known paths → 404 → problem+json for every error. Routes are
 * data (RouteSpec), so the OpenAPI document and the bad-input test table are
 * built from the very list that is mounted.
 */
import express from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Store } from '../activities/store/port';
import type { QmtlConfig } from '../workers/config';
import type { Logger } from '../workers/logger';
import { ProblemError } from './errors';
import { createMetrics, metricsRoute } from './metrics';
import { mountRoute } from './mount';
import { assertUniqueRoutes, buildOpenApiDocument, openApiRoute } from './openapi';
import { problemMiddleware, sendProblem } from './problems';
import { requestLogger } from './request-log';
import type { RouteSpec } from './route';
import { healthRoutes } from './routes/health';
import { keyRoutes } from './routes/keys';
import type { TemporalPort } from './temporal-port';

export interface GatewayDeps {
  config: QmtlConfig;
  store: Store;
  log: Logger;
  temporal: TemporalPort;
  /** Resource routes (strategies, worlds, …) mounted after the built-in ones. */
  routes?: RouteSpec[];
}

/** Every route the app serves, built-ins first: what /v1/openapi.json documents. */
export function gatewayRoutes(deps: GatewayDeps, extras: RouteSpec[]): RouteSpec[] {
  return [...healthRoutes(deps), ...keyRoutes(deps), ...extras, ...(deps.routes ?? [])];
}

export function createApp(deps: GatewayDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('case sensitive routing', true);

  const metrics = createMetrics();
  app.use(requestLogger(deps.log));
  app.use(metrics.middleware);

  let document: object = {};
  const routes = gatewayRoutes(deps, [openApiRoute(() => document), metricsRoute(metrics.registry)]);
  assertUniqueRoutes(routes);
  // Built now, not on first request: a schema the generator cannot express fails start-up.
  document = buildOpenApiDocument(routes);

  app.locals.routes = routes;

  const router = express.Router({ caseSensitive: true });
  for (const route of routes)
    mountRoute(router, route, { store: deps.store, maxBodyBytes: deps.config.maxBodyBytes });
  answerOtherMethods(router, routes);
  app.use(router);

  // Relative asset links in the page need the trailing slash.
  app.get('/docs', (req, res, next) => (req.path === '/docs' ? res.redirect(301, '/docs/') : next()));
  app.use(
    '/docs',
    swaggerUi.serveFiles(document),
    swaggerUi.setup(document, { customSiteTitle: 'QMTL Gateway API' }),
  );

  app.use((req, res) => {
    sendProblem(res, new ProblemError(404, 'E_NOT_FOUND', 'Not found', `no route ${req.method} ${req.path}`));
  });
  app.use(problemMiddleware);
  return app;
}

/** The RouteSpecs an app serves (for tests that sweep every route). */
export function mountedRoutes(app: express.Express): RouteSpec[] {
  return app.locals.routes as RouteSpec[];
}

/** Known path, other method: 405 with Allow (OPTIONS gets 204 with Allow). */
function answerOtherMethods(router: express.Router, routes: RouteSpec[]): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of routes) {
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    if (route.method === 'get') methods.add('HEAD');
    methodsByPath.set(route.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods, 'OPTIONS'].join(', ');
    router.all(path, (req, res) => {
      res.locals.route = path;
      res.setHeader('Allow', allow);
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      sendProblem(
        res,
        new ProblemError(
          405,
          'E_METHOD_NOT_ALLOWED',
          'Method not allowed',
          `${req.method} is not allowed here; use ${allow}`,
        ),
      );
    });
  }
}
