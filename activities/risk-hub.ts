/**
 * The Risk Signal Hub's I/O (SPEC §11): keep a validated snapshot once per
 * (world, version), tell the ControlBus, and answer "is there a fresh
 * snapshot?" for live promotion, which fails closed on anything but 'fresh'.
 */
import {
  snapshotExpiresAt,
  snapshotFreshness,
  type RiskSnapshot,
  type SnapshotFreshness,
} from '../domain/risk/snapshot';
import type { RiskSnapshotPutOutcome, RiskSnapshotRecord, Store } from './store/port';

export const RISK_SNAPSHOT_TOPIC = 'risk_snapshot';

export interface RiskSnapshotWrite {
  worldId: string;
  snapshot: RiskSnapshot;
  actor: string;
  stage: string;
  /** Epoch ms of the write (created_at). */
  now: number;
}

/**
 * Stores the snapshot and publishes `risk_snapshot_updated`. A duplicate
 * publishes too: the event key is per (world, version), so a write whose
 * publish was lost to a crash gets its event on the retry, and never twice.
 */
export async function recordRiskSnapshot(
  store: Pick<Store, 'riskSnapshots' | 'events'>,
  write: RiskSnapshotWrite,
): Promise<{ outcome: RiskSnapshotPutOutcome; record: RiskSnapshotRecord }> {
  const { worldId, snapshot } = write;
  const result = await store.riskSnapshots.put({
    worldId,
    version: snapshot.version,
    hash: snapshot.hash,
    asOf: snapshot.as_of,
    ttlSec: snapshot.ttl_sec,
    expiresAt: new Date(snapshotExpiresAt(snapshot)).toISOString(),
    body: JSON.stringify(snapshot),
    actor: write.actor,
    stage: write.stage,
    createdAt: new Date(write.now).toISOString(),
  });
  if (result.outcome !== 'conflict') {
    const { record } = result;
    await store.events.publish({
      eventKey: `risk:${worldId}:${record.version}`,
      topic: RISK_SNAPSHOT_TOPIC,
      worldId,
      key: `risk:${worldId}`,
      payload: {
        type: 'risk_snapshot_updated',
        version: record.version,
        hash: record.hash,
        as_of: record.asOf,
      },
    });
  }
  return result;
}

/** Freshness of the world's latest snapshot at `now` (epoch ms): what promotion governance checks. */
export async function latestRiskFreshness(
  store: Pick<Store, 'riskSnapshots'>,
  worldId: string,
  now: number,
): Promise<SnapshotFreshness> {
  const latest = await store.riskSnapshots.latest(worldId);
  return snapshotFreshness(latest && { as_of: latest.asOf, ttl_sec: latest.ttlSec }, now);
}

/** For workflows: `now` comes from workflow time so the answer is replay-stable in history. */
export function createRiskHubActivities({ store }: { store: Store }) {
  return {
    async riskSnapshotFreshness(input: { worldId: string; now: number }): Promise<SnapshotFreshness> {
      return latestRiskFreshness(store, input.worldId, input.now);
    },
  };
}

export type RiskHubActivities = ReturnType<typeof createRiskHubActivities>;
