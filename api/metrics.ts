/**
 * Prometheus metrics for the Gateway. Each app gets its own registry (tests
 * build many apps in one process); requests are labelled by route template,
 * never by raw URL, so ids in paths cannot explode the label set.
 */
import type express from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { defineRoute } from './route';

export interface GatewayMetrics {
  registry: Registry;
  middleware: express.RequestHandler;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'qmtl_http_requests_total',
    help: 'Gateway HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'qmtl_http_request_duration_seconds',
    help: 'Gateway HTTP request duration by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const middleware: express.RequestHandler = (req, res, next) => {
    const stop = duration.startTimer();
    res.on('finish', () => {
      // res.locals.route is set by mountRoute; anything else (404s) is one bucket.
      const route = typeof res.locals.route === 'string' ? res.locals.route : 'unmatched';
      const labels = { method: req.method, route };
      stop(labels);
      requests.inc({ ...labels, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware };
}

export function metricsRoute(registry: Registry) {
  return defineRoute({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (text exposition format)',
    tags: ['operations'],
    access: 'public',
    responses: { 200: { description: 'metrics in Prometheus text format', contentType: 'text/plain' } },
    async handler() {
      return { status: 200, body: await registry.metrics(), contentType: registry.contentType };
    },
  });
}
