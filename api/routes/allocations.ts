/**
 * Allocations over HTTP (SPEC §9), run-id keyed: `POST /v1/allocations`
 * claims the run id in the store, then starts `alloc:{run_id}` and answers
 * its result. The same run id with the same body answers the stored result
 * and starts nothing; another body is 409. "Before" fractions are each
 * world's latest completed allocation, so an allocation is a weight change.
 */
import { z } from 'zod';
import type { AllocationRecord, Store } from '../../activities/store/port';
import { worldIdSchema } from '../../domain/world/world';
import type { AllocationRequestWire, AllocationResult } from '../../workflows/rebalance-messages';
import { ProblemError, conflict, notFound } from '../errors';
import { guardRebalanceOrders } from '../rebalance-guards';
import {
  MAX_POSITIONS,
  accountSchema,
  bodyHash,
  nonNegativeAmount,
  positionSchema,
  positiveAmount,
  runIdSchema,
  strategyFractions,
  symbolSchema,
  worldFractions,
} from '../rebalancing-request';
import { defineRoute, type RouteSpec } from '../route';
import type { WorldControl } from '../temporal-client';
import type { RebalancingControl, WorkflowOutcome } from '../temporal-rebalancing';

export interface AllocationRouteDeps {
  store: Store;
  temporal: WorldControl;
  rebalancing: RebalancingControl;
  /** How long a POST waits for the allocation (and its orders) before answering 202 (default 20 s). */
  submitWaitMs?: number;
}

const allocationBody = z
  .object({
    run_id: runIdSchema,
    total_equity: positiveAmount,
    world_allocations: worldFractions.meta({ description: 'Fractions of total equity after this run' }),
    strategy_allocations: strategyFractions
      .optional()
      .meta({ description: 'Strategy fractions WITHIN each world after this run' }),
    positions: z.array(positionSchema).max(MAX_POSITIONS).default([]),
    min_trade_notional: nonNegativeAmount.default('0'),
    lot_size_by_symbol: z.record(symbolSchema, positiveAmount).optional(),
    execute: z
      .boolean()
      .default(false)
      .meta({ description: 'Send the rebalance orders (rebalance:{run_id})' }),
    account: accountSchema.default('default'),
  })
  .refine((b) => Object.keys(b.world_allocations).length > 0, {
    message: 'name at least one world',
    path: ['world_allocations'],
  })
  .meta({ id: 'AllocationRequest' });

const recordSchema = z
  .object({
    run_id: z.string(),
    world_ids: z.array(z.string()),
    status: z.enum(['running', 'completed', 'rejected', 'failed']),
    request: z.record(z.string(), z.unknown()),
    result: z.record(z.string(), z.unknown()).optional(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Allocation' });

const resultSchema = z
  .object({ run_id: z.string(), status: z.enum(['running', 'completed', 'failed']) })
  .loose()
  .meta({ id: 'AllocationResult' });

function toBody(record: AllocationRecord) {
  return {
    run_id: record.runId,
    world_ids: record.worldIds,
    status: record.status,
    request: record.request,
    ...(record.result && { result: record.result }),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** The run's answer: its result (200), its refusal (422), or "still running" (202). */
function answer(
  runId: string,
  outcome: WorkflowOutcome<AllocationResult> | { status: 'stored'; result: AllocationResult },
) {
  if (outcome.status === 'running') {
    return {
      status: 202,
      headers: { Location: `/v1/allocations/${runId}` },
      body: { run_id: runId, status: 'running', status_url: `/v1/allocations/${runId}` },
    };
  }
  const result: AllocationResult =
    outcome.status === 'failed'
      ? { run_id: runId, status: 'failed', detail: outcome.detail }
      : outcome.result;
  if (result.status === 'rejected')
    throw new ProblemError(422, 'E_REBALANCE_INVALID', 'Allocation cannot be planned', result.detail, {
      run_id: runId,
    });
  return { status: 200, body: result };
}

export function allocationRoutes(deps: AllocationRouteDeps): RouteSpec[] {
  const waitMs = deps.submitWaitMs ?? 20_000;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/allocations',
      operationId: 'allocate',
      summary: 'Set world (and strategy) allocations; plans, and with execute sends, the rebalance',
      tags: ['allocation'],
      access: 'operator',
      body: allocationBody,
      responses: {
        200: { description: 'The allocation result (also for a replayed run id)', schema: resultSchema },
        202: { description: 'Still running: poll status_url' },
        404: { description: 'Unknown world (E_NOT_FOUND)' },
        409: { description: 'run_id used with another body (E_CONFLICT) or kill switch (E_KILL_SWITCH)' },
        422: {
          description: 'Cannot be planned, e.g. positions under a zero allocation (E_REBALANCE_INVALID)',
        },
      },
      async handler({ body, principal, req }) {
        const { run_id: runId, ...request } = body;
        const wire: AllocationRequestWire = request;
        const hash = bodyHash(body);
        // A finished run answers what it answered, whatever the guards say now.
        const earlier = await deps.store.allocations.get(runId);
        if (earlier && earlier.bodyHash !== hash)
          throw conflict(`run_id '${runId}' was used with another body`, { run_id: runId });
        if (earlier && earlier.bodyHash === hash && earlier.status !== 'running')
          return answer(runId, { status: 'stored', result: earlier.result as unknown as AllocationResult });
        const worldIds = Object.keys(request.world_allocations);
        const trading = request.execute
          ? request.positions.map((p) => ({ worldId: p.world_id, venue: p.venue, account: request.account }))
          : [];
        await guardRebalanceOrders(deps, req, worldIds, trading);
        const claim = await deps.store.allocations.claim({
          runId,
          bodyHash: hash,
          worldIds,
          request: wire as unknown as AllocationRecord['request'],
          at: new Date().toISOString(),
        });
        if (claim.outcome === 'conflict')
          throw conflict(`run_id '${runId}' was used with another body`, { run_id: runId });
        const { record } = claim;
        if (record.status !== 'running')
          return answer(runId, { status: 'stored', result: record.result as unknown as AllocationResult });
        await deps.rebalancing.startAllocation({
          runId,
          request: wire,
          actor: principal?.keyId ?? 'anonymous',
        });
        return answer(runId, (await deps.rebalancing.allocation(runId, waitMs))!);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/allocations',
      operationId: 'listAllocations',
      summary: "Allocations, newest first, and each world's current fractions",
      tags: ['allocation'],
      access: 'reader',
      query: z.object({
        world_id: worldIdSchema.optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      responses: {
        200: {
          description: 'Allocations and current fractions by world',
          schema: z.object({
            allocations: z.array(recordSchema),
            current: z.record(
              z.string(),
              z.object({
                fraction: z.string(),
                strategies: z.record(z.string(), z.string()).optional(),
                run_id: z.string(),
                at: z.string(),
              }),
            ),
          }),
        },
      },
      async handler({ query }) {
        const records = await deps.store.allocations.list({
          limit: query.limit,
          ...(query.world_id && { worldId: query.world_id }),
        });
        const worlds = query.world_id ? [query.world_id] : [...new Set(records.flatMap((r) => r.worldIds))];
        const latest = await deps.store.allocations.latestFractions(worlds);
        const current = Object.fromEntries(
          Object.entries(latest).map(([w, f]) => [
            w,
            {
              fraction: f.fraction,
              ...(f.strategies && { strategies: f.strategies }),
              run_id: f.runId,
              at: f.at,
            },
          ]),
        );
        return { status: 200, body: { allocations: records.map(toBody), current } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/allocations/:run_id',
      operationId: 'getAllocation',
      summary: 'One allocation run: its request, status and result',
      tags: ['allocation'],
      access: 'reader',
      params: z.object({ run_id: runIdSchema }),
      responses: { 200: { description: 'The allocation', schema: recordSchema } },
      async handler({ params }) {
        const record = await deps.store.allocations.get(params.run_id);
        if (!record) throw notFound('allocation', params.run_id);
        return { status: 200, body: toBody(record) };
      },
    }),
  ];
}
