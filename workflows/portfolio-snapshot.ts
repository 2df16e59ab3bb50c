/**
 * Telling the Risk Signal Hub about a world's new weights (SPEC §11) from a
 * workflow that just changed or settled them (promotion, allocation,
 * rebalance), and about a paper run's fills (its realised returns).
 * Advisory: a snapshot that cannot be published is logged and never fails
 * the caller; a missing one only blocks live promotion.
 */
import { ActivityFailure, isCancellation, log, patched, proxyActivities } from '@temporalio/workflow';
import type { PortfolioSnapshotActivities } from '../activities/portfolio-snapshot';
import { storeCall } from './activity-options';

const { publishPortfolioSnapshot } = proxyActivities<PortfolioSnapshotActivities>(storeCall);

/** One snapshot per world, in id order; histories from before this step skip it. */
export async function publishPortfolioSnapshots(worldIds: readonly string[]): Promise<void> {
  if (!patched('portfolio-snapshot')) return;
  for (const world_id of [...new Set(worldIds)].sort()) {
    try {
      await publishPortfolioSnapshot({ world_id });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('risk snapshot not published', { worldId: world_id, error: err.message });
    }
  }
}

/**
 * After a paper bar whose position changed (a fill was booked): the world's
 * snapshot again, now with the run's returns. Histories from before this
 * step skip it; a stop during the call still stops the run.
 */
export async function publishAfterFill(worldId: string): Promise<void> {
  if (!patched('paper-fill-snapshot')) return;
  try {
    await publishPortfolioSnapshot({ world_id: worldId });
  } catch (err) {
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    log.warn('risk snapshot not published after a fill', { worldId, error: err.message });
  }
}
