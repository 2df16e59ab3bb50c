/**
 * Turns a submission body into a validated DAG and its strategy id. The body
 * carries the DAG inline (`dag`) or as base64 JSON (`dag_json`); either way the
 * DAG text is parsed twice: losslessly for ids, and plainly for the schema.
 *
 * Validation order (SPEC §6; the first failure answers): the DAG decodes
 * (E_VALIDATION) → every node has its id fields (E_NODE_ID_FIELDS) → node
 * shape (E_VALIDATION) → then validate.ts: schema compatibility, checksum, id
 * recomputation, dependencies inside the DAG, cycles, node types.
 */
import { canonicalJson, parseLossless, type JsonValue } from '../canonical-json';
import { nodeIdsCrc32 } from './checksum';
import { topologicalOrder } from './graph';
import type { JsonObject } from './node-id';
import { BUILTIN_CATALOG, type NodeTypeCatalog } from './node-types';
import { dagSchema, missingNodeFields, nodeShapeErrors, type Dag } from './schema';
import { canonicalDagText, strategyIdOf } from './strategy-id';
import { validateDag, type DagProblem } from './validate';

export type DagIntakeError = DagProblem;

export interface AcceptedDag {
  dag: Dag;
  /** The nodes parsed losslessly, in submitted order (ids and params are computed from these). */
  nodes: JsonObject[];
  /** Canonical JSON text of the DAG; stored with the strategy. */
  canonicalText: string;
  strategyId: string;
}

export interface ValidatedDag extends AcceptedDag {
  /** Node ids, every node after its dependencies. */
  order: string[];
  /** CRC-32 of the node ids in submitted order (what a client would send as node_ids_crc32). */
  nodeIdsCrc32: number;
}

/** The DAG as the request carries it: base64 `dag_json`, or inline under `dag` in the body text. */
export type DagSource = { dagJson: string } | { bodyText: string };

export interface DagIntakeOptions {
  nodeIdsCrc32?: number;
  catalog?: NodeTypeCatalog;
}

/** The whole intake: decode, fields, shape, then every DAG Manager check. */
export function intakeDag(source: DagSource, options: DagIntakeOptions = {}): ValidatedDag | DagIntakeError {
  const field = 'dagJson' in source ? 'dag_json' : 'dag';
  const decoded = 'dagJson' in source ? decodeBase64Dag(source.dagJson) : inlineDag(source.bodyText);
  if (!decoded.ok) return decoded.error;
  const accepted = acceptDag(decoded.value, field);
  if (isIntakeError(accepted)) return accepted;
  const problem = validateDag({
    field,
    dag: accepted.dag,
    nodes: accepted.nodes,
    nodeIdsCrc32: options.nodeIdsCrc32,
    catalog: options.catalog ?? BUILTIN_CATALOG,
  });
  if (problem) return problem;
  return {
    ...accepted,
    order: topologicalOrder(accepted.dag.nodes),
    nodeIdsCrc32: nodeIdsCrc32(accepted.dag.nodes.map((n) => n.node_id)),
  };
}

// A decoded DAG is any JSON value, so it travels apart from errors (it may itself hold `code` and `errors`).
type Decoded = { ok: true; value: JsonValue } | { ok: false; error: DagIntakeError };

/** `dag` of a JSON body, re-read losslessly from the exact body text. */
function inlineDag(bodyText: string): Decoded {
  try {
    return { ok: true, value: (parseLossless(bodyText) as { dag?: JsonValue } | null)?.dag ?? null };
  } catch (err) {
    // JSON.parse keeps the last of two equal keys; hashing on would use a value the client may not mean.
    const detail = `the body cannot be read losslessly: ${(err as Error).message}`;
    return { ok: false, error: fail('E_VALIDATION', detail, 'dag', 'invalid_json') };
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes `dag_json` (strict base64 of UTF-8 JSON) into lossless JSON. */
export function decodeDagJson(dagJson: string): JsonValue | DagIntakeError {
  const decoded = decodeBase64Dag(dagJson);
  return decoded.ok ? decoded.value : decoded.error;
}

function decodeBase64Dag(dagJson: string): Decoded {
  const compact = dagJson.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) {
    return {
      ok: false,
      error: fail('E_VALIDATION', 'dag_json is not valid base64', 'dag_json', 'invalid_base64'),
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    return {
      ok: false,
      error: fail('E_VALIDATION', 'dag_json is not UTF-8 text', 'dag_json', 'invalid_utf8'),
    };
  }
  try {
    return { ok: true, value: parseLossless(text) };
  } catch (err) {
    const detail = `dag_json does not hold JSON: ${(err as Error).message}`;
    return { ok: false, error: fail('E_VALIDATION', detail, 'dag_json', 'invalid_json') };
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
  const nodesLossless = (lossless as { nodes: JsonObject[] }).nodes;
  const shapeErrors = nodeShapeErrors(nodesLossless);
  if (shapeErrors.length > 0) {
    return {
      code: 'E_VALIDATION',
      detail: 'the DAG does not match the node schema',
      errors: shapeErrors.map((e) => ({ ...e, path: `${field}.${e.path}` })),
    };
  }
  return {
    dag: parsed.data,
    nodes: nodesLossless,
    canonicalText: canonicalDagText({ nodes: nodesLossless }),
    strategyId: strategyIdOf({ nodes: nodesLossless }),
  };
}

export function isIntakeError(value: unknown): value is DagIntakeError {
  return typeof value === 'object' && value !== null && 'code' in value && 'errors' in value;
}

function fail(code: 'E_VALIDATION', detail: string, path: string, issue: string): DagIntakeError {
  return { code, detail, errors: [{ path, message: detail, code: issue }] };
}
