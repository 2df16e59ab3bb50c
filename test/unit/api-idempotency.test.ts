import { ProblemError } from '../../api/errors';
import { canonicalJson, checkIdempotencyKey, requestHash } from '../../api/idempotency';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('drops undefined members like JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('requestHash', () => {
  const body = { world_ids: ['w1'], meta: { x: 1, y: 2 } };

  it('is the same for the same request with keys reordered', () => {
    expect(requestHash('post', '/v1/strategies', body)).toBe(
      requestHash('POST', '/v1/strategies', { meta: { y: 2, x: 1 }, world_ids: ['w1'] }),
    );
  });

  it('differs by method, path or body', () => {
    const base = requestHash('POST', '/v1/strategies', body);
    expect(requestHash('PUT', '/v1/strategies', body)).not.toBe(base);
    expect(requestHash('POST', '/v1/worlds', body)).not.toBe(base);
    expect(requestHash('POST', '/v1/strategies', { ...body, meta: {} })).not.toBe(base);
    expect(requestHash('POST', '/v1/strategies', 'raw text')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('checkIdempotencyKey', () => {
  it('accepts 1-255 printable characters and no header at all', () => {
    expect(checkIdempotencyKey(undefined)).toBeUndefined();
    expect(checkIdempotencyKey('a')).toBe('a');
    expect(checkIdempotencyKey('x'.repeat(255))).toHaveLength(255);
    expect(checkIdempotencyKey('order 42/retry:1')).toBe('order 42/retry:1');
  });

  it.each([[''], ['x'.repeat(256)], ['tab\t'], ['ünïcode']])('refuses %j', (value) => {
    expect(() => checkIdempotencyKey(value)).toThrow(ProblemError);
  });
});
