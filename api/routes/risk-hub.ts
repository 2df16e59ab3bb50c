/**
 * The Risk Signal Hub over HTTP (SPEC §11): operators post versioned
 * snapshots per world (X-Actor and X-Stage required), readers get the latest
 * one while it is fresh. Rules live in domain/risk, the write in
 * activities/risk-hub; this file validates, answers and maps outcomes.
 */
import { z } from 'zod';
import { recordRiskSnapshot } from '../../activities/risk-hub';
import type { RiskSnapshotRecord, Store } from '../../activities/store/port';
import { portfolioRisk } from '../../domain/risk/portfolio-var';
import {
  RiskSnapshotError,
  isExpired,
  parseRiskSnapshot,
  riskSnapshotBodySchema,
  type RiskSnapshot,
} from '../../domain/risk/snapshot';
import { worldIdSchema } from '../../domain/world/world';
import { ProblemError, notFound } from '../errors';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldControl } from '../temporal-client';

const ACTOR_HEADER = 'X-Actor';
const STAGE_HEADER = 'X-Stage';
const actorSchema = z.string().trim().min(1).max(128);
const stageSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a stage such as backtest, paper or live');

const storedSnapshotSchema = z
  .object({
    world_id: z.string(),
    version: z.number().int(),
    hash: z.string(),
    as_of: z.string(),
    ttl_sec: z.number().int(),
    expires_at: z.string(),
    actor: z.string(),
    stage: z.string(),
    created_at: z.string(),
    var_99: z
      .number()
      .nullable()
      .meta({ description: 'Parametric 99 % VaR (fraction of value); null when not computable' }),
    es_99: z
      .number()
      .nullable()
      .meta({ description: 'Parametric 99 % expected shortfall; null when not computable' }),
    risk_note: z.string().optional().meta({ description: 'Why VaR/ES are null' }),
    snapshot: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'StoredRiskSnapshot' });

const worldParams = z.object({ id: worldIdSchema });

export function riskHubRoutes({ store, temporal }: { store: Store; temporal: WorldControl }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/risk-hub/worlds/:id/snapshots',
      operationId: 'postRiskSnapshot',
      summary: `Store a risk snapshot version of a world (headers ${ACTOR_HEADER} and ${STAGE_HEADER} required)`,
      tags: ['risk-hub'],
      access: 'operator',
      params: worldParams,
      body: riskSnapshotBodySchema,
      responses: {
        200: {
          description: 'The same version and hash was stored before: the stored one',
          schema: storedSnapshotSchema,
        },
        201: { description: 'Stored', schema: storedSnapshotSchema },
        404: { description: 'No such world (E_NOT_FOUND)' },
        409: { description: 'This version exists with another hash (E_CONFLICT)' },
        422: {
          description: `Missing ${ACTOR_HEADER}/${STAGE_HEADER} (E_VALIDATION) or a snapshot breaking a rule: weight sum, covariance symmetry, hash (E_SNAPSHOT_INVALID)`,
        },
      },
      async handler({ params, body, req }) {
        const actor = requiredHeader(ACTOR_HEADER, actorSchema, req.get(ACTOR_HEADER));
        const stage = requiredHeader(STAGE_HEADER, stageSchema, req.get(STAGE_HEADER));
        if (!(await temporal.world(params.id))) throw notFound('world', params.id);
        const snapshot = checkedSnapshot(body);
        const { outcome, record } = await recordRiskSnapshot(store, {
          worldId: params.id,
          snapshot,
          actor,
          stage,
          now: Date.now(),
        });
        if (outcome === 'conflict')
          throw new ProblemError(
            409,
            'E_CONFLICT',
            'Conflict',
            `version ${record.version} of world '${params.id}' exists with hash ${record.hash}; post a new version`,
            { version: record.version, hash: record.hash },
          );
        const location = `/v1/risk-hub/worlds/${params.id}/snapshots/latest`;
        return outcome === 'created'
          ? { status: 201, headers: { Location: location }, body: toView(record) }
          : { status: 200, body: toView(record) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/risk-hub/worlds/:id/snapshots/latest',
      operationId: 'getLatestRiskSnapshot',
      summary: "A world's highest snapshot version, only while it is fresh (as_of + ttl_sec > now)",
      tags: ['risk-hub'],
      access: 'reader',
      params: worldParams,
      responses: {
        200: { description: 'The latest snapshot', schema: storedSnapshotSchema },
        404: { description: 'None stored (E_NOT_FOUND) or the latest has expired (E_SNAPSHOT_EXPIRED)' },
      },
      async handler({ params }) {
        const latest = await store.riskSnapshots.latest(params.id);
        if (!latest) throw notFound('risk snapshot of world', params.id);
        if (isExpired({ as_of: latest.asOf, ttl_sec: latest.ttlSec }, Date.now()))
          throw new ProblemError(
            404,
            'E_SNAPSHOT_EXPIRED',
            'Snapshot expired',
            `risk snapshot version ${latest.version} of world '${params.id}' expired at ${latest.expiresAt}`,
            { version: latest.version, expires_at: latest.expiresAt },
          );
        return { status: 200, body: toView(latest) };
      },
    }),
  ];
}

function requiredHeader(name: string, schema: z.ZodType<string>, value: string | undefined): string {
  const parsed = schema.safeParse(value ?? '');
  if (parsed.success) return parsed.data;
  const message = value === undefined ? `the ${name} header is required` : parsed.error.issues[0]!.message;
  throw new ProblemError(422, 'E_VALIDATION', 'Invalid request', `${name}: ${message}`, undefined, [
    { path: `headers.${name}`, message, code: 'header' },
  ]);
}

/** Rules across fields (weight sum, symmetry, hash) are a 422: the body's shape was fine. */
function checkedSnapshot(body: unknown): RiskSnapshot {
  try {
    return parseRiskSnapshot(body);
  } catch (err) {
    if (!(err instanceof RiskSnapshotError)) throw err;
    const errors = err.issues.map((i) => ({ path: `body.${i.path}`, message: i.message, code: 'snapshot' }));
    throw new ProblemError(
      422,
      'E_SNAPSHOT_INVALID',
      'Invalid risk snapshot',
      err.message,
      undefined,
      errors,
    );
  }
}

function toView(record: RiskSnapshotRecord) {
  const snapshot = JSON.parse(record.body) as RiskSnapshot;
  const risk = portfolioRisk(snapshot.weights, snapshot.covariance);
  return {
    world_id: record.worldId,
    version: record.version,
    hash: record.hash,
    as_of: record.asOf,
    ttl_sec: record.ttlSec,
    expires_at: record.expiresAt,
    actor: record.actor,
    stage: record.stage,
    created_at: record.createdAt,
    var_99: risk.ok ? risk.var99 : null,
    es_99: risk.ok ? risk.es99 : null,
    ...(risk.ok ? {} : { risk_note: risk.reason }),
    snapshot,
  };
}
