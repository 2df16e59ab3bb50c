/**
 * The promotion activity's wait for its apply run: it answers the run's result,
 * heartbeats while waiting, and gives up at once when the activity is canceled
 * (a worker shutting down) instead of holding the shutdown until its timeout.
 */
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { resultWithHeartbeats } from '../../activities/promotion';

const never = { result: () => new Promise<never>(() => undefined) };
/** The mock context logs every failed activity; these fail on purpose. */
const quiet = { logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } };

describe('resultWithHeartbeats', () => {
  it("answers the run's result", async () => {
    const env = new MockActivityEnvironment(undefined, quiet);
    const done = { result: () => Promise.resolve({ phase: 'completed' }) };
    await expect(env.run(() => resultWithHeartbeats(done))).resolves.toEqual({ phase: 'completed' });
  });

  it('fails with the run', async () => {
    const env = new MockActivityEnvironment(undefined, quiet);
    const failed = { result: () => Promise.reject(new Error('apply failed')) };
    await expect(env.run(() => resultWithHeartbeats(failed))).rejects.toThrow('apply failed');
  });

  it('stops waiting the moment the activity is canceled', async () => {
    const env = new MockActivityEnvironment(undefined, quiet);
    const waiting = env.run(() => resultWithHeartbeats(never));
    setTimeout(() => env.cancel('WORKER_SHUTDOWN'), 50);
    await expect(waiting).rejects.toBeInstanceOf(CancelledFailure);
  });
});
