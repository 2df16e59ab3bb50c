/**
 * Turns a submission body into a validated DAG and its strategy id. The body
 * carries the DAG inline (`dag`) or as base64 JSON (`dag_json`); either way the
 * DAG text is parsed twice: losslessly for ids, and plainly for the schema.
 */
import { canonicalJson, parseLossless, type JsonValue } from '../canonical-json';
import { dagSchema, missingNodeFields, type Dag } from './schema';
import { canonicalDagText, strategyIdOf } from './strategy-id';

export interface DagIntakeError {
  code: 'E_VALIDATION' | 'E_NODE_ID_FIELDS';
  detail: string;
  errors: Array<{ path: string; message: string; code?: string }>;
}

export interface AcceptedDag {
  dag: Dag;
  /** Canonical JSON text of the DAG; stored with the strategy. */
  canonicalText: string;
  strategyId: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes `dag_json` (strict base64 of UTF-8 JSON) into lossless JSON. */
export function decodeDagJson(dagJson: string): JsonValue | DagIntakeError {
  const compact = dagJson.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) {
    return fail('E_VALIDATION', 'dag_json is not valid base64', 'dag_json', 'invalid_base64');
  }
  const text = Buffer.from(compact, 'base64').toString('utf8');
  try {
    return parseLossless(text);
  } catch (err) {
    return fail(
      'E_VALIDATION',
      `dag_json does not hold JSON: ${(err as Error).message}`,
      'dag_json',
      'invalid_json',
    );
  }
}

/** Validates a losslessly parsed DAG value and derives its id. */
export function acceptDag(lossless: JsonValue, field: 'dag' | 'dag_json'): AcceptedDag | DagIntakeError {
  // The plain view (numbers as JS numbers) is what zod checks.
  let plain: unknown;
  try {
    plain = JSON.parse(canonicalJson(lossless));
  } catch {
    return fail(
      'E_VALIDATION',
      'the DAG holds a number outside the double range',
      field,
      'non_finite_number',
    );
  }
  const nodes = (plain as { nodes?: unknown })?.nodes;
  if (Array.isArray(nodes)) {
    const missing = missingNodeFields(nodes);
    if (missing.length > 0) {
      return {
        code: 'E_NODE_ID_FIELDS',
        detail: `${missing.length} node(s) lack fields needed to compute their id`,
        errors: missing.map(({ index, missing: fields }) => ({
          path: `${field}.nodes.${index}`,
          message: `missing ${fields.join(', ')}`,
          code: 'missing_fields',
        })),
      };
    }
  }
  const parsed = dagSchema.safeParse(plain);
  if (!parsed.success) {
    return {
      code: 'E_VALIDATION',
      detail: 'the DAG does not match the node schema',
      errors: parsed.error.issues.map((issue) => ({
        path: [field, ...issue.path.map(String)].join('.'),
        message: issue.message,
        code: issue.code,
      })),
    };
  }
  const nodesLossless = (lossless as { nodes: Array<{ [key: string]: JsonValue }> }).nodes;
  return {
    dag: parsed.data,
    canonicalText: canonicalDagText({ nodes: nodesLossless }),
    strategyId: strategyIdOf({ nodes: nodesLossless }),
  };
}

export function isIntakeError(value: unknown): value is DagIntakeError {
  return typeof value === 'object' && value !== null && 'code' in value && 'errors' in value;
}

function fail(code: DagIntakeError['code'], detail: string, path: string, issue: string): DagIntakeError {
  return { code, detail, errors: [{ path, message: detail, code: issue }] };
}
