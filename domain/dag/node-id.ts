/**
 * QMTL-compatible node ids (SPEC §6): "blake3:" + hex BLAKE3 of the UTF-8 of
 * `node_type|interval|period|params_json|dependencies|schema_compat_id|code_hash`.
 * Rules follow QMTL's qmtl/foundation/common/{nodespec,tagquery,nodeid}.py; the
 * golden vectors in test/fixtures/node-id-vectors.json were computed by that code.
 * Input is a node parsed losslessly, so a `1.0` param hashes as `1.0`.
 */
import { blake3 } from '@noble/hashes/blake3';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { isLosslessNumber, LosslessNumber } from 'lossless-json';
import { canonicalJson, compareCodePoints, type JsonValue } from '../canonical-json';

export type JsonObject = { [key: string]: JsonValue };

/** Keys dropped from params at every mapping level, compared lower-cased: they name a context, not a computation. */
export const EXCLUDED_PARAM_KEYS: ReadonlySet<string> = new Set([
  'world',
  'world_id',
  'world_ids',
  'execution_world',
  'execution_domain',
  'domain',
  'domains',
  'as_of',
  'partition',
  'dataset_fingerprint',
  'timestamp',
  'seed',
  'random_state',
  'env',
]);
export const EXCLUDED_PARAM_PREFIX = 'env_';

export const TAG_QUERY_NODE_TYPE = 'TagQueryNode';

export function isExcludedParamKey(key: string): boolean {
  const lowered = key.toLowerCase();
  return EXCLUDED_PARAM_KEYS.has(lowered) || lowered.startsWith(EXCLUDED_PARAM_PREFIX);
}

/** Params without the excluded keys, at every mapping level including mappings inside lists. */
export function identityParams(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(identityParams);
  if (value === null || typeof value !== 'object' || isLosslessNumber(value)) return value;
  // fromEntries keeps a "__proto__" key as data, as Python's dict would.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !isExcludedParamKey(key))
      .map(([key, v]) => [key, identityParams(v)]),
  );
}

// --- Python semantics the reference relies on -------------------------------

/** Python's str.strip(): its whitespace set includes \x1c-\x1f and \x85, which String#trim does not. */
const PY_SPACE =
  '\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
export const pyStrip = (text: string): string => text.replace(PY_STRIP, '');

/** Python truthiness of a JSON value. */
export function pyTruthy(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  if (isLosslessNumber(value)) return Number(value.value) !== 0;
  return Object.keys(value).length > 0;
}

/** `str(int(value))`, or undefined where Python's int() raises. */
export function pyIntText(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number')
    return Number.isFinite(value) ? BigInt(Math.trunc(value)).toString() : undefined;
  if (isLosslessNumber(value)) {
    return /^-?\d+$/.test(value.value) ? BigInt(value.value).toString() : pyIntText(Number(value.value));
  }
  if (typeof value === 'string') {
    const text = pyStrip(value);
    return /^[+-]?\d+(?:_\d+)*$/.test(text) ? BigInt(text.replace(/_/g, '')).toString() : undefined;
  }
  return undefined;
}

/** The interval/period segment: `str(int(value or 0))`, so null renders as "0" and 60.0 as "60". */
function intSegment(node: JsonObject, field: 'interval' | 'period'): string {
  const value = node[field];
  if (!pyTruthy(value)) return '0';
  const text = pyIntText(value);
  if (text === undefined) throw new TypeError(`${field} is not an integer`);
  return text;
}

// --- schema_compat_id ---------------------------------------------------------

export interface SchemaCompat {
  schemaCompatId: string;
  /** Set when the legacy schema_id names another schema than schema_compat_id. */
  conflict?: { schema_compat_id: string; schema_id: string };
}

/** schema_compat_id stripped; when empty, the legacy schema_id stands in for it. */
export function schemaCompatOf(node: JsonObject): SchemaCompat {
  const compat = pyStrip(typeof node.schema_compat_id === 'string' ? node.schema_compat_id : '');
  if (!('schema_id' in node)) return { schemaCompatId: compat };
  const legacy = pyStrip(typeof node.schema_id === 'string' ? node.schema_id : '');
  if (compat && legacy && compat !== legacy) {
    return { schemaCompatId: compat, conflict: { schema_compat_id: compat, schema_id: legacy } };
  }
  return { schemaCompatId: compat || legacy };
}

// --- TagQuery params ----------------------------------------------------------

export type MatchMode = 'any' | 'all';

export interface TagQueryParams {
  query_tags: string[];
  match_mode: MatchMode;
  /** Integer text, or null when no interval could be read. */
  interval: string | null;
}

export type TagQueryResolution =
  { ok: true; params: TagQueryParams } | { ok: false; path: string; message: string };

/**
 * A TagQuery node's identity params: tags from params.query_tags, else
 * params.tags, else the node's tags (a list or a comma-separated string;
 * stripped, sorted, unique); match_mode from params, else the node ('any'
 * unless 'all'); interval from the node, else params. Values Python would
 * crash on (non-string tags or mode) are refused instead.
 */
export function tagQueryParams(node: JsonObject): TagQueryResolution {
  const params = isObject(node.params) ? node.params : undefined;
  let tags: JsonValue | undefined;
  let tagsPath = 'tags';
  let matchMode: JsonValue | undefined;
  let interval = node.interval;
  if (params) {
    [tags, tagsPath] = pyTruthy(params.query_tags)
      ? [params.query_tags, 'params.query_tags']
      : [params.tags, 'params.tags'];
    matchMode = params.match_mode;
    if ((interval === undefined || interval === null) && 'interval' in params) interval = params.interval;
  }
  if (tags === undefined || tags === null) [tags, tagsPath] = [node.tags, 'tags'];
  const matchModePath = matchMode === undefined || matchMode === null ? 'match_mode' : 'params.match_mode';
  if (matchMode === undefined || matchMode === null) matchMode = node.match_mode;

  const split = splitTags(tags);
  if (split === undefined)
    return { ok: false, path: tagsPath, message: 'tags must be a string or a list of strings' };
  if (pyTruthy(matchMode) && typeof matchMode !== 'string') {
    return { ok: false, path: matchModePath, message: 'match_mode must be a string' };
  }
  const mode = (pyTruthy(matchMode) ? (matchMode as string) : 'any').toLowerCase();
  return {
    ok: true,
    params: {
      query_tags: [...new Set(split)].sort(compareCodePoints),
      match_mode: mode === 'all' ? 'all' : 'any',
      interval: interval === undefined || interval === null ? null : (pyIntText(interval) ?? null),
    },
  };
}

function splitTags(tags: JsonValue | undefined): string[] | undefined {
  if (tags === undefined || tags === null) return [];
  const parts = typeof tags === 'string' ? tags.split(',') : tags;
  if (!Array.isArray(parts) || !parts.every((t) => typeof t === 'string')) return undefined;
  return (parts as string[]).map(pyStrip).filter((t) => t !== '');
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

// --- the id -------------------------------------------------------------------

/** The seven normalised fields a node id is computed from. */
export interface NodeIdentity {
  nodeType: string;
  /** Integer text, as Python's str(int(...)) renders it. */
  interval: string;
  period: string;
  /** Canonical JSON of the identity params (excluded keys dropped, literals kept). */
  paramsJson: string;
  /** Sorted by code point; duplicates kept as the reference keeps them. */
  dependencies: string[];
  schemaCompatId: string;
  codeHash: string;
}

/** Normalises a node the way the id sees it. Expects a node that passed the DAG shape checks. */
export function nodeIdentity(node: JsonObject): NodeIdentity {
  const nodeType = typeof node.node_type === 'string' ? node.node_type : '';
  return {
    nodeType,
    interval: intSegment(node, 'interval'),
    period: intSegment(node, 'period'),
    paramsJson: canonicalJson(identityParams(paramsSource(node, nodeType))),
    dependencies: (Array.isArray(node.dependencies) ? node.dependencies : [])
      .filter((d): d is string => typeof d === 'string' && d !== '')
      .sort(compareCodePoints),
    schemaCompatId: schemaCompatOf(node).schemaCompatId,
    codeHash: typeof node.code_hash === 'string' ? node.code_hash : '',
  };
}

function paramsSource(node: JsonObject, nodeType: string): JsonValue {
  if (nodeType === TAG_QUERY_NODE_TYPE) {
    const tagQuery = tagQueryParams(node);
    if (!tagQuery.ok) throw new TypeError(`${tagQuery.path}: ${tagQuery.message}`);
    const { query_tags, match_mode, interval } = tagQuery.params;
    return { query_tags, match_mode, interval: interval === null ? null : new LosslessNumber(interval) };
  }
  // QMTL reads `config` when `params` is absent or null.
  const params = node.params;
  return params === undefined || params === null ? (node.config ?? null) : params;
}

export function nodeIdPayload(identity: NodeIdentity): string {
  return [
    identity.nodeType,
    identity.interval,
    identity.period,
    identity.paramsJson,
    identity.dependencies.join(','),
    identity.schemaCompatId,
    identity.codeHash,
  ].join('|');
}

/**
 * "blake3:" + hex digest of the payload. When `existingIds` already holds that
 * id, QMTL's collision rule applies: BLAKE3 of `payload|collision:<n>` with a
 * 64-byte XOF output (n = 1, 2, … until unused), so a retry is longer than
 * any first-choice id and can never equal one.
 */
export function hashNodePayload(payload: string, existingIds: Iterable<string> = []): string {
  const taken = new Set(existingIds);
  const plain = `blake3:${bytesToHex(blake3(utf8ToBytes(payload)))}`;
  if (!taken.has(plain)) return plain;
  for (let n = 1; ; n++) {
    const retry = `blake3:${bytesToHex(blake3(utf8ToBytes(`${payload}|collision:${n}`), { dkLen: 64 }))}`;
    if (!taken.has(retry)) return retry;
  }
}

export function computeNodeId(node: JsonObject, existingIds?: Iterable<string>): string {
  return hashNodePayload(nodeIdPayload(nodeIdentity(node)), existingIds);
}
