import { bearerToken, hashSecret, newKeyId, newSecret } from '../../api/auth';
import { roleAllows } from '../../api/route';

describe('bearerToken', () => {
  it.each([
    ['Bearer qmtl_abc', 'qmtl_abc'],
    ['bearer qmtl_abc', 'qmtl_abc'],
    ['Bearer   qmtl_abc  ', 'qmtl_abc'],
  ])('reads %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([[undefined], [''], ['Basic abc'], ['Bearer'], ['Bearer a b'], ['qmtl_abc']])(
    'refuses %j',
    (header) => {
      expect(bearerToken(header)).toBeUndefined();
    },
  );
});

describe('secrets', () => {
  it('are qmtl_ + 32 random bytes in base64url, hashed as sha256 hex', () => {
    const a = newSecret();
    expect(a).toMatch(/^qmtl_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(5), 'base64url')).toHaveLength(32);
    expect(newSecret()).not.toBe(a);
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(newKeyId()).toMatch(/^key_[A-Za-z0-9_-]{12}$/);
  });
});

describe('roleAllows', () => {
  const table: Array<[Parameters<typeof roleAllows>[0], Parameters<typeof roleAllows>[1], boolean]> = [
    ['reader', 'public', true],
    ['reader', 'reader', true],
    ['reader', 'author', false],
    ['author', 'reader', true],
    ['author', 'operator', false],
    ['operator', 'author', true],
    ['operator', 'admin', false],
    ['admin', 'operator', true],
    ['admin', 'admin', true],
  ];
  it.each(table)('%s may do %s: %s', (have, need, allowed) => {
    expect(roleAllows(have, need)).toBe(allowed);
  });
});
