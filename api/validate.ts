/**
 * Request validation: zod schemas → typed values, or one 400 E_VALIDATION
 * carrying a per-field error for every problem found (params, query and body
 * are checked together so a client fixes everything in one round trip).
 */
import { z } from 'zod';
import { validationError, type FieldError } from './errors';

export type Location = 'params' | 'query' | 'body';

type Parsed = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

/**
 * Parses one part of a request. A plain top-level z.object() strips unknown
 * keys in zod; here they are refused instead (unless the schema declares its
 * own catchall via .passthrough()/.catchall()/.strict()).
 */
export function parsePart(where: Location, schema: z.ZodType | undefined, input: unknown): Parsed {
  if (schema === undefined) return { ok: true, value: input };
  const errors = unknownKeys(where, schema, input);
  const result = schema.safeParse(input);
  if (!result.success) errors.push(...result.error.issues.flatMap((issue) => fieldErrors(where, issue)));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: result.data };
}

/** Parses params, query and body; throws one ProblemError listing every field error. */
export function parseRequest(
  parts: Record<Location, { schema?: z.ZodType; input: unknown }>,
): Record<Location, unknown> {
  const out = {} as Record<Location, unknown>;
  const errors: FieldError[] = [];
  for (const where of ['params', 'query', 'body'] as const) {
    const parsed = parsePart(where, parts[where].schema, parts[where].input);
    if (parsed.ok) out[where] = parsed.value;
    else errors.push(...parsed.errors);
  }
  if (errors.length > 0) throw validationError(errors);
  return out;
}

/** The plain object schema under optional/nullable/default wrappers, if any. */
export function openObjectOf(schema: z.ZodType): z.ZodObject | undefined {
  let current: z.ZodType = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault
  ) {
    current = current.def.innerType as z.ZodType;
  }
  return current instanceof z.ZodObject && current.def.catchall === undefined ? current : undefined;
}

function unknownKeys(where: Location, schema: z.ZodType, input: unknown): FieldError[] {
  const object = openObjectOf(schema);
  if (object === undefined) return [];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [];
  const known = new Set(Object.keys(object.shape));
  return Object.keys(input)
    .filter((key) => !known.has(key))
    .map((key) => ({ path: joinPath(where, [key]), message: 'unknown field', code: 'unrecognized_keys' }));
}

/** One FieldError per offending field; unrecognized_keys names each key separately. */
export function fieldErrors(where: Location, issue: z.core.$ZodIssue): FieldError[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: joinPath(where, [...issue.path, key]),
      message: 'unknown field',
      code: issue.code,
    }));
  }
  return [{ path: joinPath(where, issue.path), message: issue.message, code: issue.code }];
}

function joinPath(where: Location, path: readonly PropertyKey[]): string {
  return [where, ...path.map((p) => String(p))].join('.');
}
