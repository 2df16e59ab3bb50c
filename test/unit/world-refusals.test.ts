import { ApplicationFailure } from '@temporalio/common';
import { problemBody } from '../../api/errors';
import { worldRefusalProblem } from '../../api/temporal-worlds';
import { WORLD_REFUSALS } from '../../workflows/world-messages';

const problem = (type: string, details?: unknown[]) =>
  worldRefusalProblem('w1', ApplicationFailure.create({ message: `refused: ${type}`, type, details }));

describe('world refusals map to problems in one table', () => {
  it.each([
    [WORLD_REFUSALS.deleted, 409, 'E_CONFLICT'],
    [WORLD_REFUSALS.etagMismatch, 412, 'E_PRECONDITION_FAILED'],
    [WORLD_REFUSALS.liveNotAllowed, 403, 'E_LIVE_NOT_ALLOWED'],
    [WORLD_REFUSALS.hasActive, 409, 'E_CONFLICT'],
    [WORLD_REFUSALS.applyInProgress, 409, 'E_CONFLICT'],
    [WORLD_REFUSALS.applyState, 409, 'E_CONFLICT'],
    [WORLD_REFUSALS.governance, 409, 'E_CONFLICT'],
    [WORLD_REFUSALS.noPromotion, 404, 'E_NOT_FOUND'],
    [WORLD_REFUSALS.invalid, 422, 'E_WORLD_WRITE_INVALID'],
    ['UNKNOWN_POLICY_VERSION', 404, 'E_NOT_FOUND'],
    ['SOMETHING_NEW', 409, 'E_CONFLICT'],
  ])('%s → %i %s, with the refusal type as reason', (type, status, code) => {
    const p = problem(type);
    expect([p.status, p.code]).toEqual([status, code]);
    expect(p.extra).toEqual({ world_id: 'w1', reason: type });
    expect(p.detail).toBe(`refused: ${type}`);
  });

  it('adds an object detail (blockers) but never lets it replace the reason or the standard members', () => {
    const p = problem(WORLD_REFUSALS.governance, [
      { blockers: ['COOLDOWN_ACTIVE'], reason: 'spoof', status: 200 },
    ]);
    expect(p.extra).toEqual({
      blockers: ['COOLDOWN_ACTIVE'],
      reason: 'GOVERNANCE_BLOCKED',
      status: 200,
      world_id: 'w1',
    });
    expect(problemBody(p)).toMatchObject({ status: 409, code: 'E_CONFLICT', blockers: ['COOLDOWN_ACTIVE'] });
  });
});
