import { z } from 'zod';
import { ProblemError } from '../../api/errors';
import { parsePart, parseRequest } from '../../api/validate';

const body = z.object({
  name: z.string(),
  size: z.number().int(),
  inner: z.strictObject({ a: z.boolean() }).optional(),
});

describe('parsePart', () => {
  it('returns parsed values', () => {
    expect(parsePart('body', body, { name: 'n', size: 2 })).toEqual({
      ok: true,
      value: { name: 'n', size: 2 },
    });
  });

  it('refuses unknown top-level keys of a plain z.object and unknown nested keys of strict ones', () => {
    const result = parsePart('body', body, { name: 'n', size: 2, extra: 1, inner: { a: true, b: 2 } });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'body.extra', message: 'unknown field', code: 'unrecognized_keys' },
        { path: 'body.inner.b', message: 'unknown field', code: 'unrecognized_keys' },
      ],
    });
  });

  it('refuses unknown keys under an optional wrapper, and accepts an absent optional body', () => {
    const optional = z.object({ reason: z.string() }).optional();
    expect(parsePart('body', optional, undefined)).toEqual({ ok: true, value: undefined });
    expect(parsePart('body', optional, { reason: 'r', x: 1 })).toMatchObject({
      ok: false,
      errors: [{ path: 'body.x' }],
    });
  });

  it('respects an explicit passthrough', () => {
    expect(parsePart('query', z.object({ a: z.string() }).passthrough(), { a: 'x', b: 'y' })).toEqual({
      ok: true,
      value: { a: 'x', b: 'y' },
    });
  });

  it('reports wrong types and missing fields by path', () => {
    const result = parsePart('body', body, { name: 3 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => [e.path, e.code])).toEqual([
      ['body.name', 'invalid_type'],
      ['body.size', 'invalid_type'],
    ]);
  });

  it('passes input through when there is no schema', () => {
    expect(parsePart('params', undefined, { id: 'x' })).toEqual({ ok: true, value: { id: 'x' } });
  });
});

describe('parseRequest', () => {
  it('collects errors from params, query and body into one 400 E_VALIDATION', () => {
    let thrown: unknown;
    try {
      parseRequest({
        params: { schema: z.object({ id: z.coerce.number() }), input: { id: 'abc' } },
        query: { schema: z.object({ limit: z.coerce.number().max(10) }), input: { limit: '50' } },
        body: { schema: body, input: 'not an object' },
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProblemError);
    const problem = thrown as ProblemError;
    expect(problem).toMatchObject({ status: 400, code: 'E_VALIDATION' });
    expect(problem.errors?.map((e) => e.path)).toEqual(['params.id', 'query.limit', 'body']);
  });
});
