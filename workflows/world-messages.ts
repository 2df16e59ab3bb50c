/**
 * The `world:{id}` workflow's messages (SPEC §9): every write an Update with a
 * validator, every read a Query. The Gateway (api/temporal-worlds.ts) and the
 * apply activities (activities/world-apply.ts) are its only callers. Types
 * only — no workflow code — so both sides import it freely.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ActivationEntry, ActivationTable, ActivationWrite, Stage } from '../domain/world/activation';
import type { PolicyDocument } from '../domain/world/policy';
import type { World } from '../domain/world/world';
import type { ApplyPhase } from '../domain/world/apply-phases';

/** Refusal types (ApplicationFailure.type) the Gateway maps to status codes. */
export const WORLD_REFUSALS = {
  /** 409: the world is deleted. */
  deleted: 'WORLD_DELETED',
  /** 412: `if_match` / `etag` older than the world's. */
  etagMismatch: 'ETAG_MISMATCH',
  /** 403: a live write on a world without allow_live. */
  liveNotAllowed: 'LIVE_NOT_ALLOWED',
  /** 409: delete of a world with active strategies, without force. */
  hasActive: 'WORLD_HAS_ACTIVE_STRATEGIES',
  /** 409: another apply run is in progress. */
  applyInProgress: 'APPLY_IN_PROGRESS',
  /** 409: the apply step does not fit the run's phase (or the run is unknown). */
  applyState: 'APPLY_STATE',
  /** 409: governance refuses (max live slots, …); details name the blockers. */
  governance: 'GOVERNANCE_BLOCKED',
  /** 404: no pending promotion for the strategy. */
  noPromotion: 'NO_PENDING_PROMOTION',
  /** 422: anything else malformed that slipped past the Gateway. */
  invalid: 'WORLD_WRITE_INVALID',
} as const;

/** Promotion governance (SPEC §9); kept in the world's config. */
export interface Governance {
  /** Backtest → paper. */
  paper: 'auto' | 'manual_approval' | 'disabled';
  /** Paper → live (also needs allow_live). */
  live: 'auto' | 'manual_approval' | 'disabled';
  /** Minimum seconds a strategy stays in paper before live. */
  cooldown_sec: number;
  /** Strategies active in live mode at most. */
  max_live_slots: number;
  /** Live promotion needs an unexpired risk-hub snapshot. */
  risk_snapshot_required: boolean;
}

export const DEFAULT_GOVERNANCE: Governance = {
  paper: 'auto',
  live: 'manual_approval',
  cooldown_sec: 86_400,
  max_live_slots: 1,
  risk_snapshot_required: true,
};

/** World configuration beyond the identity in `World`. */
export interface WorldSettings {
  /** Seconds a decision envelope stays fresh for its reader (SPEC §9 `ttl`). */
  decision_ttl_sec: number;
  /** Seconds the apply workflow waits for acknowledgements before rolling back. */
  ack_timeout_sec: number;
  governance: Governance;
}

export const DEFAULT_WORLD_SETTINGS: WorldSettings = {
  decision_ttl_sec: 300,
  ack_timeout_sec: 30,
  governance: DEFAULT_GOVERNANCE,
};

export interface WorldPatch {
  name?: string;
  allow_live?: boolean;
  labels?: Record<string, string>;
  state?: 'ACTIVE' | 'SUSPENDED';
  settings?: Partial<Omit<WorldSettings, 'governance'>> & { governance?: Partial<Governance> };
}

export interface EvaluationResult {
  status: 'active' | 'inactive';
  /** First reason (SELECTED, THRESHOLD_SHARPE, …), QMTL's `reason_code`. */
  reason_code: string;
  reasons: string[];
}

export interface EvaluationRun {
  evaluation_run_id: string;
  /** Workflow time of recording. */
  at: string;
  stage: Stage;
  /** Null for an inline policy. */
  policy_version: number | null;
  profile: string | null;
  /** Selected strategy ids in rank order. */
  active: string[];
  results: Record<string, EvaluationResult>;
  /** What asked: the API, or the strategy workflow after a backtest (run id). */
  source: { kind: 'api' | 'backtest'; run_id?: string };
}

export interface ApplyPlanEntry {
  strategy_id: string;
  /** Omitted: both sides. */
  side?: 'long' | 'short';
  weight: number;
}

export interface ApplyPlan {
  activate: ApplyPlanEntry[];
  /** Strategy ids to deactivate (both sides). */
  deactivate: string[];
}

export interface ApplyRecord {
  run_id: string;
  /** `paper` or `live`: the mode the activated entries trade in. */
  mode: 'paper' | 'live';
  plan: ApplyPlan;
  /** sha256 of the canonical request; same run id with another hash is 409. */
  plan_hash: string;
  phase: ApplyPhase;
  requested_at: string;
  updated_at: string;
  actor: string;
  /** Entries of the plan's strategies as they were before freezing; restored on rollback. */
  previous?: ActivationEntry[];
  error?: string;
}

export interface PromotionState {
  strategy_id: string;
  stage: Stage;
  /** When the strategy entered `stage` (workflow time). */
  since: string;
  pending?: {
    to_stage: Exclude<Stage, 'backtest'>;
    requested_at: string;
    /** Named blockers when requested (APPROVAL_REQUIRED, COOLDOWN_ACTIVE, …). */
    blockers: string[];
    status: 'pending' | 'approved' | 'rejected';
    decided_by?: string;
    reason?: string;
  };
}

/** Everything a reader needs, in one query. */
export interface WorldSnapshot {
  world: World;
  settings: WorldSettings;
  /** World etag: increments with every world write (config, policy, binding, activation, apply). */
  etag: number;
  /** Version of the last audit record appended (strictly increasing). */
  audit_version: number;
  bindings: string[];
  activation: ActivationTable;
  /** The newest evaluation runs, newest last (bounded). */
  evaluations: EvaluationRun[];
  /** The current or last apply run. */
  apply?: ApplyRecord;
  promotions: Record<string, PromotionState>;
  deleted?: { at: string; actor: string; reason: string };
}

export const worldSnapshotQuery = defineQuery<WorldSnapshot>('snapshot');

interface Actor {
  actor: string;
}

export const updateWorldUpdate = defineUpdate<
  WorldSnapshot,
  [Actor & { patch: WorldPatch; if_match?: number }]
>('updateWorld');
export const deleteWorldUpdate = defineUpdate<
  { deleted: true },
  [Actor & { force: boolean; reason: string }]
>('deleteWorld');
export const bindStrategiesUpdate = defineUpdate<
  { bindings: string[] },
  [Actor & { strategy_ids: string[] }]
>('bindStrategies');
/** Idempotent per evaluation_run_id: the same id returns the stored run. */
export const recordEvaluationUpdate = defineUpdate<
  { evaluation: EvaluationRun; replayed: boolean },
  [Actor & { evaluation: Omit<EvaluationRun, 'at'> }]
>('recordEvaluation');
export const writeActivationUpdate = defineUpdate<
  { etag: number; entries: ActivationEntry[] },
  [Actor & { write: ActivationWrite }]
>('writeActivation');

/**
 * Registers an apply run: the same run id (and plan hash) returns its record,
 * another run while one is in progress is refused (APPLY_IN_PROGRESS).
 */
export const beginApplyUpdate = defineUpdate<
  { apply: ApplyRecord; started: boolean },
  [Actor & { run_id: string; mode: 'paper' | 'live'; plan: ApplyPlan; plan_hash: string }]
>('beginApply');

export type ApplyStep = 'freeze' | 'switch' | 'unfreeze' | 'restore';

/**
 * One phase of an apply run, called by the apply workflow's activity with
 * update id `${run_id}:${step}` so a retried activity applies it once.
 * freeze: plan entries frozen, `previous` kept; switch: new set written (still
 * frozen; governance validated); unfreeze: gates reopen, phase completed;
 * restore: previous entries back, frozen, phase rolled_back.
 */
export const applyStepUpdate = defineUpdate<
  { apply: ApplyRecord; entries: ActivationEntry[]; etag: number },
  [{ run_id: string; step: ApplyStep; error?: string }]
>('applyStep');

export const requestPromotionUpdate = defineUpdate<
  { promotion: PromotionState },
  [Actor & { strategy_id: string; to_stage: 'paper' | 'live'; blockers: string[] }]
>('requestPromotion');
export const decidePromotionUpdate = defineUpdate<
  { promotion: PromotionState },
  [Actor & { strategy_id: string; approve: boolean; reason?: string }]
>('decidePromotion');

/** Input of the v2 world workflow; `state` is carried across continue-as-new. */
export interface WorldWorkflowInput {
  world: World;
  settings?: WorldSettings;
  /** Policy versions and state carried over by continue-as-new. */
  carried?: {
    policies: {
      default_version: number | null;
      versions: { version: number; created_at: string; actor: string; policy: PolicyDocument }[];
    };
    /** Absent when a legacy (pre-WorldService) world upgrades: it starts with an empty book. */
    snapshot?: Omit<WorldSnapshot, 'world' | 'settings'>;
  };
  /** Continue-as-new past this many history events (default 2000); tests pass a small one. */
  max_history_events?: number;
}

export const worldWorkflowId = (worldId: string): string => `world:${worldId}`;
export const applyWorkflowId = (worldId: string, runId: string): string => `apply:${worldId}:${runId}`;
