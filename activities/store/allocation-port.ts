/**
 * Allocation runs (SPEC §9), keyed by run id: the first request with a run id
 * claims it; the same body again is a replay of the stored answer, another
 * body under the same run id is a conflict. A completed allocation is what
 * the next one of its worlds scales from ("before" fractions).
 */

export type AllocationStatus = 'running' | 'completed' | 'rejected' | 'failed';

/** The request as the Gateway normalised it (decimal strings); the store keeps it as given. */
export interface AllocationRequestRecord {
  world_allocations: Record<string, string>;
  strategy_allocations?: Record<string, Record<string, string>>;
  [field: string]: unknown;
}

export interface AllocationRecord {
  runId: string;
  /** sha256 of the canonical request body: decides replay versus conflict. */
  bodyHash: string;
  worldIds: string[];
  request: AllocationRequestRecord;
  status: AllocationStatus;
  /** The workflow's answer once finished. */
  result?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export type AllocationClaim =
  | { outcome: 'created'; record: AllocationRecord }
  /** Same run id and body hash: the stored record (maybe still running). */
  | { outcome: 'replay'; record: AllocationRecord }
  /** Same run id, other body: nothing changed. */
  | { outcome: 'conflict'; record: AllocationRecord };

/** A world's current fractions: those of its latest completed allocation. */
export interface WorldFractions {
  worldId: string;
  /** Fraction of total equity. */
  fraction: string;
  /** Strategy fractions within the world, when that allocation gave them. */
  strategies?: Record<string, string>;
  runId: string;
  at: string;
}

export interface AllocationRepo {
  /** Atomic: two concurrent claims of one run id see one `created`. */
  claim(input: {
    runId: string;
    bodyHash: string;
    worldIds: string[];
    request: AllocationRequestRecord;
    at: string;
  }): Promise<AllocationClaim>;
  /** Records the end once; a second call (an activity retry) returns the first end unchanged. */
  finish(
    runId: string,
    end: { status: Exclude<AllocationStatus, 'running'>; result: Record<string, unknown>; at: string },
  ): Promise<AllocationRecord>;
  get(runId: string): Promise<AllocationRecord | undefined>;
  /** Newest first; only allocations touching this world when given. */
  list(options: { worldId?: string; limit: number }): Promise<AllocationRecord[]>;
  /** Per world asked for that has a completed allocation; worlds never allocated are absent. */
  latestFractions(worldIds: readonly string[]): Promise<Record<string, WorldFractions>>;
}
