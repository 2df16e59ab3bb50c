/**
 * Kill switches over HTTP (SPEC §5, §8), operator access: engage or release
 * the switch of a world or of a venue account, and list them. Engaging starts
 * `kill:{scopeKey}:{requestId}` (gate closed, orders canceled, optional
 * flatten) and answers 202 at once; releasing only reopens the gate (the
 * store's record, audited) — canceled orders stay canceled.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { z } from 'zod';
import type { KillRequest } from '../../activities/kill-switch';
import { killScopeKey, type KillScope, type KillSwitchRecord, type Store } from '../../activities/store/port';
import { worldIdSchema } from '../../domain/world/world';
import { killSwitchWorkflowId } from '../../workflows/kill-switch';
import { QmtlVenue, QmtlWorldId } from '../../workflows/search-attributes';
import { EXEC_QUEUE } from '../../workflows/task-queues';
import { notFound } from '../errors';
import { IDEMPOTENCY_HEADER } from '../idempotency';
import { defineRoute, type RouteContext, type RouteSpec } from '../route';
import type { WorldControl } from '../temporal-client';

/** Starts the kill workflow; a request id already used answers with the workflow it started. */
export interface KillSwitchControl {
  startKill(request: KillRequest): Promise<{ workflowId: string }>;
}

export interface KillSwitchRouteDeps {
  store: Store;
  /** Reads worlds (a world's switch needs the world to exist). */
  temporal: WorldControl;
  kills: KillSwitchControl;
}

const switchBodySchema = z
  .object({
    engaged: z.boolean().meta({ description: 'true engages (cancel everything in scope), false releases' }),
    flatten: z
      .boolean()
      .default(false)
      .meta({ description: 'After canceling, close every position (venue scopes; a world scope skips it)' }),
    reason: z.string().trim().min(1).max(500),
  })
  .meta({ id: 'KillSwitchRequest' });

const scopeSchema = z.union([
  z.object({ kind: z.literal('world'), world_id: z.string() }),
  z.object({ kind: z.literal('venue'), venue: z.string(), account: z.string() }),
]);

const killSwitchSchema = z
  .object({
    scope_key: z.string(),
    scope: scopeSchema,
    engaged: z.boolean(),
    flatten: z.boolean(),
    reason: z.string(),
    by: z.string().meta({ description: 'API key id that last changed it' }),
    at: z.string(),
  })
  .meta({ id: 'KillSwitch' });

const engagedSchema = z
  .object({
    scope_key: z.string(),
    engaged: z.literal(true),
    workflow_id: z.string(),
    request_id: z.string(),
  })
  .meta({ id: 'KillSwitchEngaging' });

const venueParams = z.object({
  venue: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a venue name such as "sim" or "binance"'),
  account: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'an account name such as "default"'),
});

type SwitchBody = z.output<typeof switchBodySchema>;

export function killSwitchRoutes({ store, temporal, kills }: KillSwitchRouteDeps): RouteSpec[] {
  const responses = {
    200: { description: 'Released', schema: killSwitchSchema },
    202: { description: 'Engaging: the kill workflow runs', schema: engagedSchema },
  };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/worlds/:id/kill-switch',
      operationId: 'setWorldKillSwitch',
      summary: "Engage (cancel the world's orders) or release a world's kill switch",
      tags: ['kill-switch'],
      access: 'operator',
      params: z.object({ id: worldIdSchema }),
      body: switchBodySchema,
      responses: { ...responses, 404: { description: 'Unknown world (E_NOT_FOUND)' } },
      async handler(ctx) {
        if (!(await temporal.world(ctx.params.id))) throw notFound('world', ctx.params.id);
        return setSwitch({ kind: 'world', worldId: ctx.params.id }, ctx);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/venues/:venue/accounts/:account/kill-switch',
      operationId: 'setVenueKillSwitch',
      summary:
        "Engage (cancel the account's orders, optionally flatten) or release a venue account's kill switch",
      tags: ['kill-switch'],
      access: 'operator',
      params: venueParams,
      body: switchBodySchema,
      responses,
      async handler(ctx) {
        return setSwitch({ kind: 'venue', ...ctx.params }, ctx);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/kill-switches',
      operationId: 'listKillSwitches',
      summary: 'Every kill switch ever set, engaged or released',
      tags: ['kill-switch'],
      access: 'operator',
      responses: {
        200: { description: 'By scope key', schema: z.object({ kill_switches: z.array(killSwitchSchema) }) },
      },
      async handler() {
        const records = await store.killSwitches.list();
        return { status: 200, body: { kill_switches: records.map(toBody) } };
      },
    }),
  ];

  async function setSwitch(scope: KillScope, ctx: RouteContext<unknown, unknown, SwitchBody>) {
    const actor = ctx.principal?.keyId ?? 'anonymous';
    const requestId = requestIdOf(ctx);
    const scopeKey = killScopeKey(scope);
    if (ctx.body.engaged) {
      const { workflowId } = await kills.startKill({
        scope,
        flatten: ctx.body.flatten,
        reason: ctx.body.reason,
        actor,
        requestId,
      });
      return {
        status: 202,
        body: { scope_key: scopeKey, engaged: true, workflow_id: workflowId, request_id: requestId },
      };
    }
    const record: KillSwitchRecord = {
      scopeKey,
      scope,
      engaged: false,
      reason: ctx.body.reason,
      flatten: false,
      by: actor,
      at: new Date().toISOString(),
    };
    await store.killSwitches.put(record);
    await store.audit.append({
      eventKey: `kill:${scopeKey}:${requestId}:released`,
      at: record.at,
      actor,
      action: 'kill_switch.released',
      subject: scopeKey,
      detail: { reason: record.reason },
    });
    return { status: 200, body: toBody(record) };
  }
}

/**
 * The request's id: from its Idempotency-Key (hashed with the caller's key id,
 * as claims are scoped per API key), so a retried engage joins the first
 * workflow even past the Gateway's replay store; a fresh one otherwise.
 */
function requestIdOf(ctx: { req: { get(name: string): string | undefined }; principal?: { keyId: string } }) {
  const key = ctx.req.get(IDEMPOTENCY_HEADER);
  if (key === undefined) return randomUUID();
  return createHash('sha256')
    .update(`${ctx.principal?.keyId ?? 'public'}\n${key}`)
    .digest('hex')
    .slice(0, 32);
}

function toBody(record: KillSwitchRecord) {
  const scope =
    record.scope.kind === 'world'
      ? { kind: 'world' as const, world_id: record.scope.worldId }
      : { kind: 'venue' as const, venue: record.scope.venue, account: record.scope.account };
  return {
    scope_key: record.scopeKey,
    scope,
    engaged: record.engaged,
    flatten: record.flatten,
    reason: record.reason,
    by: record.by,
    at: record.at,
  };
}

/** The Temporal side: the workflow by name (the Gateway does not bundle workflows), one per request id. */
export function temporalKillSwitchControl(client: Client): KillSwitchControl {
  return {
    async startKill(request) {
      const workflowId = killSwitchWorkflowId(killScopeKey(request.scope), request.requestId);
      const { scope } = request;
      try {
        await client.workflow.start('killSwitchWorkflow', {
          workflowId,
          taskQueue: EXEC_QUEUE,
          args: [request],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: new TypedSearchAttributes(
            scope.kind === 'world'
              ? [{ key: QmtlWorldId, value: [scope.worldId] }]
              : [{ key: QmtlVenue, value: scope.venue }],
          ),
          staticSummary: `Kill switch ${killScopeKey(scope)}${request.flatten ? ' + flatten' : ''}: ${request.reason}`,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      return { workflowId };
    },
  };
}
