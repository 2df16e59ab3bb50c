/**
 * The apply workflow's one write (SPEC §9 two-phase apply): a phase of the
 * run, executed as the `applyStep` update of `world:{id}`. The update id is
 * `${run_id}:${step}`, so a retried activity joins the update that already
 * ran instead of applying the step twice.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { ApplyPhase } from '../domain/world/apply-phases';
import {
  applyStepUpdate,
  worldSnapshotQuery,
  worldWorkflowId,
  WORLD_REFUSALS,
  type ApplyStep,
} from '../workflows/world-messages';

export interface WorldApplyStepInput {
  world_id: string;
  run_id: string;
  step: ApplyStep;
  /** Why the run rolls back (restore only). */
  error?: string;
}

const REFUSAL_TYPES = new Set<string>(Object.values(WORLD_REFUSALS));

/** The phase the world's record is in once the step has happened. */
const PHASE_AFTER: Record<ApplyStep, ApplyPhase> = {
  freeze: 'awaiting_acks',
  switch: 'unfreezing',
  unfreeze: 'completed',
  restore: 'rolled_back',
};

export function createWorldApplyActivities(deps: { client?: Client } = {}) {
  const clientOf = () => deps.client ?? Context.current().client;

  return {
    /**
     * One step; a refusal of the world (APPLY_STATE, GOVERNANCE_BLOCKED,
     * LIVE_NOT_ALLOWED, …) is final and keeps its type. A step refused as out
     * of phase that the world's record shows already done (its answer was lost
     * and the update's dedupe did not survive a continue-as-new) is answered
     * from the snapshot instead.
     */
    async worldApplyStep(input: WorldApplyStepInput) {
      const handle = clientOf().workflow.getHandle(worldWorkflowId(input.world_id));
      const { run_id, step } = input;
      try {
        return await handle.executeUpdate(applyStepUpdate, {
          args: [{ run_id, step, ...(input.error !== undefined ? { error: input.error } : {}) }],
          updateId: `${run_id}:${step}`,
        });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          throw ApplicationFailure.nonRetryable(`world ${input.world_id} not found`, 'NotFound');
        }
        const refusal = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
        if (!(refusal instanceof ApplicationFailure) || !REFUSAL_TYPES.has(refusal.type ?? '')) throw err;
        if (refusal.type === WORLD_REFUSALS.applyState) {
          const snapshot = await handle.query(worldSnapshotQuery);
          if (snapshot.apply?.run_id === run_id && snapshot.apply.phase === PHASE_AFTER[step]) {
            const entries = snapshot.activation.entries.filter((e) => e.run_id === run_id);
            return { apply: snapshot.apply, entries: [...entries], etag: snapshot.activation.etag };
          }
        }
        throw ApplicationFailure.create({
          message: refusal.message,
          type: refusal.type ?? undefined,
          nonRetryable: true,
          details: refusal.details ? [...refusal.details] : undefined,
        });
      }
    },
  };
}

export type WorldApplyActivities = ReturnType<typeof createWorldApplyActivities>;
