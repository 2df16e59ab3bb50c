import { ProblemError, conflict, notFound, problemBody, unavailable } from '../../api/errors';
import { toProblem } from '../../api/problems';
import { StoreConflictError } from '../../activities/store/port';

describe('problemBody', () => {
  it('renders the RFC 9457 members plus code, errors and instance', () => {
    const err = new ProblemError(400, 'E_VALIDATION', 'Invalid request', 'bad', { hint: 'x' }, [
      { path: 'body.a', message: 'Required', code: 'invalid_type' },
    ]);
    expect(problemBody(err, 'urn:qmtl:request:1')).toEqual({
      type: 'https://qmtl.dev/problems/E_VALIDATION',
      title: 'Invalid request',
      status: 400,
      detail: 'bad',
      code: 'E_VALIDATION',
      errors: [{ path: 'body.a', message: 'Required', code: 'invalid_type' }],
      instance: 'urn:qmtl:request:1',
      hint: 'x',
    });
  });

  it('omits empty errors and instance, and falls back to the title as detail', () => {
    expect(problemBody(new ProblemError(409, 'E_DUPLICATE', 'Duplicate', undefined, undefined, []))).toEqual({
      type: 'https://qmtl.dev/problems/E_DUPLICATE',
      title: 'Duplicate',
      status: 409,
      detail: 'Duplicate',
      code: 'E_DUPLICATE',
    });
  });

  it('does not let extra members override the standard ones', () => {
    const body = problemBody(
      new ProblemError(404, 'E_NOT_FOUND', 'Not found', 'gone', { status: 200, code: 'OK', id: 'w1' }),
    );
    expect(body).toMatchObject({ status: 404, code: 'E_NOT_FOUND', id: 'w1' });
  });
});

describe('helpers', () => {
  it('build the common problems', () => {
    expect(notFound('world', 'w1')).toMatchObject({
      status: 404,
      code: 'E_NOT_FOUND',
      detail: "world 'w1' does not exist",
    });
    expect(conflict('busy', { run_id: 'r1' })).toMatchObject({
      status: 409,
      code: 'E_CONFLICT',
      extra: { run_id: 'r1' },
    });
    expect(unavailable('temporal down')).toMatchObject({ status: 503, code: 'E_UNAVAILABLE' });
  });
});

describe('toProblem', () => {
  it('keeps ProblemErrors, maps store conflicts and body-parser errors', () => {
    const own = new ProblemError(422, 'E_X', 'x');
    expect(toProblem(own)).toBe(own);
    expect(toProblem(new StoreConflictError('dup'))).toMatchObject({ status: 409, code: 'E_CONFLICT' });
    expect(
      toProblem(Object.assign(new Error('too big'), { type: 'entity.too.large', status: 413 })),
    ).toMatchObject({
      status: 413,
      code: 'E_PAYLOAD_TOO_LARGE',
    });
    expect(toProblem(new URIError('URI malformed'))).toMatchObject({ status: 400, code: 'E_VALIDATION' });
  });

  it('hides anything else behind a 500 without its message', () => {
    const problem = toProblem(new Error('password=hunter2'));
    expect(problem).toMatchObject({ status: 500, code: 'E_INTERNAL' });
    expect(JSON.stringify(problemBody(problem))).not.toContain('hunter2');
    expect(toProblem('a string')).toMatchObject({ status: 500 });
    expect(toProblem(undefined)).toMatchObject({ status: 500 });
  });
});
