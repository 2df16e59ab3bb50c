/**
 * Canonical JSON as Python's `json.dumps(v, sort_keys=True,
 * separators=(",", ":"), ensure_ascii=False)` renders it, so ids computed here
 * match QMTL's. Incoming JSON is parsed losslessly: a number keeps its source
 * text (`1.0` stays a float, `10` stays an int) exactly as Python's json.loads
 * would type it.
 */
import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';

export type JsonValue =
  null | boolean | number | string | LosslessNumber | JsonValue[] | { [key: string]: JsonValue };

/** Parses JSON text keeping every number's literal. Throws SyntaxError on bad JSON. */
export function parseLossless(text: string): JsonValue {
  return parse(text) as JsonValue;
}

const INTEGER_LITERAL = /^-?\d+$/;

/** Renders a JSON number literal the way Python re-serialises what json.loads made of it. */
export function pythonNumberText(literal: string): string {
  if (INTEGER_LITERAL.test(literal)) return BigInt(literal).toString();
  return pythonFloatRepr(Number(literal));
}

/**
 * Python's `repr(float)`: the shortest round-tripping digits (same digits as
 * JavaScript), fixed notation while the decimal exponent is in (-4, 16],
 * otherwise `d.ddde±XX` with at least two exponent digits.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '', exponentText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const pointAt = exponent + 1;
  if (pointAt > 16 || pointAt <= -4) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${head}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return `${sign}${digits}${'0'.repeat(pointAt - digits.length)}.0`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** Python sorts dict keys by code point; JavaScript's default sort compares UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  const n = Math.min(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const d = (left[i] as string).codePointAt(0)! - (right[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return left.length - right.length;
}

/** Compact, key-sorted JSON text with Python's number rendering. */
export function canonicalJson(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    // A plain JS number carries no literal; integers stay ints, others are floats.
    return Number.isInteger(value) && !Object.is(value, -0)
      ? BigInt(value).toString()
      : pythonFloatRepr(value);
  }
  if (isLosslessNumber(value)) return pythonNumberText(value.value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort(compareCodePoints);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}
