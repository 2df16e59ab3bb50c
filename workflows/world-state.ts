/**
 * The v2 world workflow's state and its outbox. Every write goes through
 * `write`: it bumps the world etag and queues an audit record (and any
 * events); the main loop flushes the outbox through activities and handlers
 * wait for their own records to be flushed before answering (read your writes).
 * No I/O here: workflow time only.
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { WorldAuditRecord, WorldEvent } from '../activities/world';
import { ActivationRefusal, EMPTY_ACTIVATION, type ActivationEntry } from '../domain/world/activation';
import type { World } from '../domain/world/world';
import type { WorldPolicies } from './world-policies';
import {
  DEFAULT_WORLD_SETTINGS,
  WORLD_REFUSALS,
  type WorldSettings,
  type WorldSnapshot,
  type WorldWorkflowInput,
} from './world-messages';

/** Evaluation runs kept in state (the newest). */
export const MAX_EVALUATIONS = 50;

export type WorldBook = Omit<WorldSnapshot, 'world' | 'settings'>;

/** Refusal as the Gateway reads it: a non-retryable failure typed with the code. */
export function refuse(code: string, message: string, details?: unknown): never {
  throw ApplicationFailure.nonRetryable(message, code, ...(details === undefined ? [] : [details]));
}

/** Runs a pure rule, turning its ActivationRefusal into the workflow's refusal. */
export function ruled<T>(rule: () => T): T {
  try {
    return rule();
  } catch (err) {
    if (err instanceof ActivationRefusal) refuse(err.code, err.message);
    throw err;
  }
}

export const nowIso = (): string => new Date().toISOString();

export class WorldState {
  world: World;
  settings: WorldSettings;
  book: WorldBook;
  policies: WorldPolicies;
  private audit: WorldAuditRecord[] = [];
  private events: WorldEvent[] = [];
  /** Outbox items queued and flushed so far (this run): a handler waits for flushed ≥ its mark. */
  private queued = 0;
  private flushed = 0;

  constructor(input: WorldWorkflowInput) {
    this.world = input.world;
    this.settings = input.settings ?? DEFAULT_WORLD_SETTINGS;
    this.policies = input.carried?.policies ?? { default_version: null, versions: [] };
    this.book = input.carried?.snapshot ?? {
      etag: 0,
      audit_version: 0,
      bindings: [],
      activation: EMPTY_ACTIVATION,
      evaluations: [],
      promotions: {},
    };
  }

  get id(): string {
    return this.world.id;
  }

  snapshot(): WorldSnapshot {
    return { world: this.world, settings: this.settings, ...this.book };
  }

  /** One write: etag + 1 and an audit record with the next version. Answers the outbox mark to wait for. */
  write(actor: string, action: string, detail: Record<string, unknown>, events: WorldEvent[] = []): number {
    const version = this.book.audit_version + 1;
    this.book = { ...this.book, etag: this.book.etag + 1, audit_version: version };
    this.audit.push({ world_id: this.id, version, at: nowIso(), actor, action, detail });
    this.events.push(...events);
    this.queued += 1;
    return this.queued;
  }

  /** `activation` events for entries just written; the key orders one (strategy, side)'s changes. */
  activationEvents(entries: readonly ActivationEntry[]): WorldEvent[] {
    return entries.map((entry) => ({
      eventKey: `world:${this.id}:activation:${entry.etag}:${entry.strategy_id}:${entry.side}`,
      topic: 'activation',
      worldId: this.id,
      key: `world:${this.id}:${entry.strategy_id}:${entry.side}`,
      payload: { world_id: this.id, ...entry, etag: entry.etag },
    }));
  }

  hasOutbox(): boolean {
    return this.queued > this.flushed;
  }

  /** Everything queued, to flush; `done(mark)` once it is written. */
  takeOutbox(): { audit: WorldAuditRecord[]; events: WorldEvent[]; mark: number } {
    const batch = { audit: this.audit, events: this.events, mark: this.queued };
    this.audit = [];
    this.events = [];
    return batch;
  }

  done(mark: number): void {
    this.flushed = Math.max(this.flushed, mark);
  }

  /** Resolves once the main loop has written everything up to `mark`. */
  async flushedThrough(mark: number): Promise<void> {
    await condition(() => this.flushed >= mark);
  }

  hasActiveEntries(): boolean {
    return this.book.activation.entries.some((e) => e.active);
  }

  refuseIfDeleted(): void {
    if (this.book.deleted !== undefined) refuse(WORLD_REFUSALS.deleted, `world ${this.id} is deleted`);
  }

  /** Input of the next run (continue-as-new): identity, settings and everything written. */
  carried(max_history_events?: number): WorldWorkflowInput {
    return {
      world: this.world,
      settings: this.settings,
      carried: { policies: this.policies, snapshot: this.book },
      ...(max_history_events !== undefined ? { max_history_events } : {}),
    };
  }
}
