/**
 * Replays every recorded history against today's workflow code: a change that
 * alters command order without `patched()` fails here. Every workflow type the
 * workers register must have at least one history.
 */
import { Worker } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { createLogger } from '../../workers/logger';
import { installTemporalRuntime, workflowBundle } from '../../workers/worker';
import { loadHistories } from '../support/histories';

describe('replay of recorded histories', () => {
  installTemporalRuntime(createLogger(process.env.QMTL_TEST_LOG_LEVEL ?? 'silent', 'qmtl-replay-test'));
  const histories = loadHistories();

  it('has a history for every registered workflow type', () => {
    const recorded = new Set(histories.map((h) => h.workflowType));
    const missing = Object.keys(workflows).filter((type) => !recorded.has(type));
    expect(missing).toEqual([]);
  });

  it('replays each history without nondeterminism', async () => {
    expect(histories.length).toBeGreaterThan(0);
    const results = Worker.runReplayHistories(
      { workflowBundle: await workflowBundle() },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
