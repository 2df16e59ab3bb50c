/**
 * The `apply:{world}:{run}` workflow's messages (SPEC §9 two-phase apply).
 * The Gateway starts it after the world accepted the run (beginApply), reads
 * its phase by query, and forwards acknowledgements of its `requires_ack`
 * events as signals.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ApplyPhase } from '../domain/world/apply-phases';

export interface ApplyWorkflowInput {
  world_id: string;
  run_id: string;
  /** False skips the wait for acknowledgements (nobody consumes the world's gates yet). */
  require_acks: boolean;
  ack_timeout_ms: number;
}

export interface ApplyStatus {
  world_id: string;
  run_id: string;
  phase: ApplyPhase;
  /** Every phase entered, in order, with workflow time. */
  phases: { phase: ApplyPhase; at: string }[];
  acks: {
    /** Per-run sequences of the published `requires_ack` events, 1..n. */
    required: number[];
    received: number[];
  };
  error?: string;
}

export interface AckInput {
  sequence: number;
  /** Who acknowledged (a consumer name); audited, not checked. */
  consumer?: string;
}

export const applyStatusQuery = defineQuery<ApplyStatus>('status');
export const applyAckSignal = defineSignal<[AckInput]>('ack');
