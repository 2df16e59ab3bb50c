import { canonicalJson, parseLossless, pythonFloatRepr } from '../../domain/canonical-json';

// Expected texts were produced by CPython 3.11: json.dumps(json.loads(literal)).
const NUMBER_VECTORS: Array<[string, string]> = [
  ['1.0', '1.0'],
  ['2.5e-05', '2.5e-05'],
  ['1e5', '100000.0'],
  ['1e16', '1e+16'],
  ['1e15', '1000000000000000.0'],
  ['0.0001', '0.0001'],
  ['0.00001', '1e-05'],
  ['123456789012345678901234567890', '123456789012345678901234567890'],
  ['-0', '0'],
  ['-0.0', '-0.0'],
  ['1.5E+300', '1.5e+300'],
  ['0.1', '0.1'],
  ['100', '100'],
  ['3.14159', '3.14159'],
  ['1e-7', '1e-07'],
  ['12345678901234567', '12345678901234567'],
  ['1.7976931348623157e308', '1.7976931348623157e+308'],
];

describe('canonicalJson', () => {
  it.each(NUMBER_VECTORS)('renders the literal %s as Python does (%s)', (literal, expected) => {
    expect(canonicalJson(parseLossless(literal))).toBe(expected);
  });

  it('sorts keys by code point at every level, keeps non-ASCII, escapes control characters', () => {
    const text = '{"b":1,"a":{"é":"ü","\\ud83d\\ude00":1,"\\uffff":2},"c":[1.0,"\\n\\u0001"]}';
    expect(canonicalJson(parseLossless(text))).toBe(
      '{"a":{"é":"ü","\uffff":2,"😀":1},"b":1,"c":[1.0,"\\n\\u0001"]}',
    );
  });

  it('treats plain JavaScript numbers as Python would type them', () => {
    expect(canonicalJson({ i: 3, f: 0.5, z: -0 })).toBe('{"f":0.5,"i":3,"z":-0.0}');
  });

  it('renders non-finite floats as Python does', () => {
    expect(pythonFloatRepr(Infinity)).toBe('Infinity');
    expect(pythonFloatRepr(-Infinity)).toBe('-Infinity');
    expect(pythonFloatRepr(NaN)).toBe('NaN');
  });
});
