/**
 * Table-driven "bad input" sweep over RouteSpecs: for every route it sends
 * requests the Gateway must refuse (no key, bad key, malformed JSON, wrong
 * types, unknown fields, oversized or non-JSON bodies, bad params/query) and
 * checks each answer is the right 4xx problem+json, never a 5xx. Every probe
 * is refused before a handler runs, so the sweep has no side effects.
 */
import { z } from 'zod';
import type { RouteSpec } from '../../api/route';

export interface BadInputFailure {
  route: string;
  probe: string;
  reason: string;
  status?: number;
  body?: string;
}

export interface BadInputOptions {
  /** The Gateway's config.maxBodyBytes (default 1 MiB); the oversized probe sends more. */
  maxBodyBytes?: number;
}

interface Probe {
  name: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Exact status wanted; when absent any 4xx passes. */
  status?: number;
  /** A field path the problem's `errors` must name (proves that field was checked). */
  errorPath?: string;
}

const PROBE_FIELD = '__bad_input_probe';
const JSON_TYPE = 'application/json';
/** JSON values of different types; the first one a field's schema rejects is sent. */
const WRONG_JSON: unknown[] = [12345, 'not-a-number', true, null, [], {}, -1.5];
/** Query/path strings that commonly break typed parameters. */
const WRONG_TEXT = ['not-a-number', '-1', '0.5', '', '!!', 'x'.repeat(1000)];

export async function runBadInputTable(
  baseUrl: string,
  adminKey: string,
  routes: RouteSpec[],
  options: BadInputOptions = {},
): Promise<BadInputFailure[]> {
  const failures: BadInputFailure[] = [];
  for (const route of routes) {
    for (const probe of probesFor(route, options.maxBodyBytes ?? 1_048_576)) {
      const failure = await send(baseUrl, adminKey, route, probe);
      if (failure) failures.push(failure);
    }
  }
  return failures;
}

function probesFor(route: RouteSpec, maxBodyBytes: number): Probe[] {
  const path = fillPath(route.path, {});
  const probes: Probe[] = [];
  if (route.access !== 'public') {
    probes.push({ name: 'no key', path, headers: { authorization: '' }, status: 401 });
    probes.push({
      name: 'invalid key',
      path,
      headers: { authorization: 'Bearer qmtl_not-a-real-key' },
      status: 401,
    });
  }
  probes.push(...paramProbes(route), ...queryProbes(route));
  if (route.method === 'post' || route.method === 'put')
    probes.push(...bodyProbes(route, path, maxBodyBytes));
  return probes;
}

function paramProbes(route: RouteSpec): Probe[] {
  return Object.entries(shapeOf(route.params)).flatMap(([name, schema]) => {
    // An empty segment would address a different route, so it is no param probe.
    const wrong = firstRejected(
      schema,
      WRONG_TEXT.filter((v) => v !== ''),
    );
    if (wrong === undefined) return [];
    return [
      {
        name: `param ${name}=${short(wrong)}`,
        path: fillPath(route.path, { [name]: String(wrong) }),
        status: 400,
        errorPath: `params.${name}`,
      },
    ];
  });
}

function queryProbes(route: RouteSpec): Probe[] {
  const path = fillPath(route.path, {});
  const shape = shapeOf(route.query);
  const probes: Probe[] = Object.entries(shape).flatMap(([name, schema]) => {
    const wrong = firstRejected(schema, WRONG_TEXT);
    if (wrong === undefined) return [];
    const query = new URLSearchParams({ [name]: String(wrong) });
    return [
      {
        name: `query ${name}=${short(wrong)}`,
        path: `${path}?${query}`,
        status: 400,
        errorPath: `query.${name}`,
      },
    ];
  });
  if (route.query && !hasCatchall(route.query)) {
    probes.push({
      name: 'unknown query parameter',
      path: `${path}?${PROBE_FIELD}=1`,
      status: 400,
      errorPath: `query.${PROBE_FIELD}`,
    });
  }
  return probes;
}

function bodyProbes(route: RouteSpec, path: string, maxBodyBytes: number): Probe[] {
  const types = route.bodyContentTypes ?? [JSON_TYPE];
  const json = { 'content-type': JSON_TYPE };
  const probes: Probe[] = [
    {
      name: 'oversized body',
      path,
      headers: { 'content-type': types[0]! },
      body: oversized(maxBodyBytes),
      status: 413,
    },
  ];
  if (!types.includes('text/plain')) {
    probes.push({
      name: 'non-JSON content type',
      path,
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
      status: 415,
    });
  }
  if (!types.includes(JSON_TYPE)) return probes;
  probes.push({ name: 'malformed JSON', path, headers: json, body: '{"unterminated": ', status: 400 });
  if (route.body === undefined || !hasCatchall(route.body)) {
    const errorPath = `body.${PROBE_FIELD}`;
    probes.push({
      name: 'unknown field',
      path,
      headers: json,
      body: JSON.stringify({ [PROBE_FIELD]: 1 }),
      status: 400,
      errorPath,
    });
  }
  if (route.body && firstRejected(route.body, [12345]) !== undefined) {
    probes.push({ name: 'body is a number', path, headers: json, body: '12345', status: 400 });
  }
  for (const [field, schema] of Object.entries(shapeOf(route.body))) {
    const wrong = firstRejected(schema, WRONG_JSON);
    if (wrong === undefined) continue;
    const body = JSON.stringify({ [field]: wrong });
    probes.push({
      name: `field ${field}=${short(wrong)}`,
      path,
      headers: json,
      body,
      status: 400,
      errorPath: `body.${field}`,
    });
  }
  return probes;
}

async function send(
  baseUrl: string,
  adminKey: string,
  route: RouteSpec,
  probe: Probe,
): Promise<BadInputFailure | undefined> {
  const label = `${route.method.toUpperCase()} ${route.path}`;
  const headers: Record<string, string> = { authorization: `Bearer ${adminKey}`, ...probe.headers };
  if (headers.authorization === '') delete headers.authorization;
  let response: Response;
  try {
    response = await fetch(baseUrl + probe.path, {
      method: route.method.toUpperCase(),
      headers,
      body: probe.body,
    });
  } catch (err) {
    return { route: label, probe: probe.name, reason: `request failed: ${(err as Error).message}` };
  }
  const text = await response.text();
  const fail = (reason: string) => ({
    route: label,
    probe: probe.name,
    reason,
    status: response.status,
    body: text.slice(0, 500),
  });
  if (response.status < 400 || response.status >= 500) return fail('expected a 4xx answer');
  if (probe.status !== undefined && response.status !== probe.status) return fail(`expected ${probe.status}`);
  if (!(response.headers.get('content-type') ?? '').startsWith('application/problem+json')) {
    return fail('content-type is not application/problem+json');
  }
  let problem: { code?: unknown; errors?: Array<{ path?: unknown }> };
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    return fail('body is not JSON');
  }
  if (typeof problem.code !== 'string') return fail('problem has no string code');
  if (probe.errorPath && !(problem.errors ?? []).some((e) => e.path === probe.errorPath)) {
    return fail(`errors do not name ${probe.errorPath}`);
  }
  return undefined;
}

/** Express path with each `:param` filled (by `values` or a harmless placeholder). */
function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(values[name] ?? 'probe'));
}

/** Top-level fields of an object schema, looking through optional/default/pipe wrappers. */
function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> {
  let current: unknown = schema;
  for (let i = 0; i < 10 && current !== undefined; i++) {
    if (current instanceof z.ZodObject) return current.shape as Record<string, z.ZodType>;
    const def = (current as z.ZodType).def as { in?: unknown; innerType?: unknown };
    current = def.innerType ?? def.in;
  }
  return {};
}

function hasCatchall(schema: z.ZodType): boolean {
  return (
    schema instanceof z.ZodObject &&
    schema.def.catchall !== undefined &&
    schema.def.catchall._zod.def.type !== 'never'
  );
}

/** The first candidate the schema refuses (a schema that throws counts as refusing). */
function firstRejected(schema: z.ZodType, candidates: unknown[]): unknown {
  return candidates.find((value) => {
    try {
      return !schema.safeParse(value).success;
    } catch {
      return true;
    }
  });
}

function oversized(maxBodyBytes: number): string {
  return JSON.stringify({ pad: 'x'.repeat(maxBodyBytes + 1024) });
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 20 ? `${text.slice(0, 17)}...` : text;
}
