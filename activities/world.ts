/**
 * The world workflow's I/O (SPEC §9, §10): its audit trail and its ControlBus
 * events, written in batches by the workflow's main loop. Both are idempotent
 * per record — the audit key carries the world's audit version and every
 * event its own deterministic key — so a retried batch writes nothing twice.
 */
import type { PublishEventInput } from './events';
import type { Store } from './store/port';

export interface WorldAuditRecord {
  world_id: string;
  /** Strictly increasing per world, carried across continue-as-new. */
  version: number;
  /** Workflow time of the write. */
  at: string;
  actor: string;
  /** e.g. world.updated, activation.written, activation.expired, apply.freeze, policy.added. */
  action: string;
  detail: Record<string, unknown>;
}

export type WorldEvent = PublishEventInput;

export const worldAuditKey = (worldId: string, version: number): string =>
  `world:${worldId}:audit:${version}`;

export function createWorldActivities({ store }: { store: Store }) {
  return {
    /** Appends in version order; records appended before (a retry) are kept as they were. */
    async appendWorldAudit(records: WorldAuditRecord[]): Promise<void> {
      for (const record of records) {
        await store.audit.append({
          eventKey: worldAuditKey(record.world_id, record.version),
          at: record.at,
          actor: record.actor,
          action: record.action,
          subject: `world:${record.world_id}`,
          detail: { ...record.detail, version: record.version },
        });
      }
    },

    /** Publishes in order; an event key published before is not published again. */
    async publishWorldEvents(events: WorldEvent[]): Promise<void> {
      for (const event of events) await store.events.publish(event);
    },
  };
}

export type WorldActivities = ReturnType<typeof createWorldActivities>;
