/**
 * apply:{world}:{run} — the two-phase apply of SPEC §9, thin: the world
 * workflow owns the table and audits each step; this workflow only walks the
 * literal phase table (domain/world/apply-phases.ts), publishes what the
 * consumers of the world's gates must acknowledge, and waits for them.
 *
 * freeze → `requires_ack` events (sequence 1..k per run) → acks or timeout →
 * switch → unfreeze → completed. Any failure, or acks that never come, goes
 * restore → rolled_back: the previous set is back and stays frozen. A rolled
 * back run is a normal completion; its status says why.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { EventActivities } from '../activities/events';
import type { WorldApplyActivities } from '../activities/world-apply';
import { nextApplyPhase, type ApplyEvent, type ApplyPhase } from '../domain/world/apply-phases';
import { storeCall, workflowMessage } from './activity-options';
import {
  applyAckSignal,
  applyStatusQuery,
  type ApplyStatus,
  type ApplyWorkflowInput,
} from './apply-messages';
import { applyWorkflowId, type ApplyStep } from './world-messages';

/** Rolling back must not give up: a world left half-applied is worse than a slow rollback. */
const untilDone = (options: ActivityOptions): ActivityOptions => {
  const { maximumAttempts: _bounded, ...retry } = options.retry ?? {};
  return { ...options, retry }; // no maximumAttempts: unlimited
};

export async function applyWorkflow(input: ApplyWorkflowInput): Promise<ApplyStatus> {
  const { worldApplyStep } = proxyActivities<WorldApplyActivities>(workflowMessage);
  const restore = proxyActivities<WorldApplyActivities>(untilDone(workflowMessage)).worldApplyStep;
  const { publishEvent } = proxyActivities<EventActivities>(storeCall);
  const publishSurely = proxyActivities<EventActivities>(untilDone(storeCall)).publishEvent;
  const key = applyWorkflowId(input.world_id, input.run_id);
  const status: ApplyStatus = {
    world_id: input.world_id,
    run_id: input.run_id,
    phase: 'requested',
    phases: [],
    acks: { required: [], received: [] },
  };
  /** Who acknowledged each sequence; published with the switch. */
  const ackedBy: { sequence: number; consumer?: string }[] = [];

  setHandler(applyStatusQuery, () => status);
  setHandler(applyAckSignal, ({ sequence, consumer }) => {
    if (!status.acks.required.includes(sequence) || status.acks.received.includes(sequence)) return;
    status.acks.received.push(sequence);
    ackedBy.push({ sequence, ...(consumer !== undefined ? { consumer } : {}) });
  });

  let rollingBack = false;
  const enter = async (phase: ApplyPhase, detail: Record<string, unknown> = {}) => {
    status.phase = phase;
    status.phases.push({ phase, at: new Date().toISOString() });
    await (rollingBack ? publishSurely : publishEvent)({
      eventKey: `${key}:phase:${phase}`,
      topic: 'activation',
      worldId: input.world_id,
      key,
      payload: { run_id: input.run_id, phase, ...detail },
    });
  };
  const advance = (event: ApplyEvent, detail?: Record<string, unknown>) =>
    enter(nextApplyPhase(status.phase, event), detail);
  const step = (name: Exclude<ApplyStep, 'restore'>) =>
    worldApplyStep({ world_id: input.world_id, run_id: input.run_id, step: name });

  let rollbackEvent: ApplyEvent | undefined;
  try {
    await enter('requested');
    await advance('freeze_started');
    const frozen = await step('freeze');
    // Known before anything is published, so an ack can never outrun its sequence.
    status.acks.required = frozen.entries.map((_, i) => i + 1);
    await advance('all_frozen');
    for (const [i, entry] of frozen.entries.entries()) {
      await publishEvent({
        eventKey: `${key}:freeze:${i + 1}`,
        topic: 'activation',
        worldId: input.world_id,
        key,
        payload: {
          requires_ack: true,
          sequence: i + 1,
          run_id: input.run_id,
          phase: 'freeze',
          strategy_id: entry.strategy_id,
          side: entry.side,
        },
      });
    }
    const allAcked = () => status.acks.required.every((n) => status.acks.received.includes(n));
    if (input.require_acks && !(await condition(allAcked, input.ack_timeout_ms))) {
      status.error = `ack_timeout: ${status.acks.received.length} of ${status.acks.required.length} acknowledged`;
      rollbackEvent = 'ack_timeout';
    } else {
      await advance('all_acked', { acks: ackedBy });
      await step('switch');
      await advance('switched');
      await step('unfreeze');
      await advance('unfrozen');
      return status;
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    status.error = failureText(err);
    rollbackEvent = 'failed';
  }

  rollingBack = true;
  await advance(rollbackEvent, { error: status.error });
  try {
    await restore({ world_id: input.world_id, run_id: input.run_id, step: 'restore', error: status.error });
  } catch (err) {
    // Only a refusal ends the retries (the world is deleted, or the run is gone from it).
    throw ApplicationFailure.nonRetryable(
      `apply ${input.run_id}: restore refused: ${failureText(err)}`,
      'RESTORE_REFUSED',
    );
  }
  await advance('restored', { error: status.error });
  return status;
}

function failureText(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause instanceof Error ? cause.message : String(cause);
}
