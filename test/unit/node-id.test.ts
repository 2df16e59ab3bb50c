/**
 * Node ids, node_ids_crc32 and the collision rule against golden vectors that
 * QMTL's own Python code computed (see the fixture's `generated_by`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseLossless } from '../../domain/canonical-json';
import { crc32, nodeIdsCrc32 } from '../../domain/dag/checksum';
import {
  computeNodeId,
  hashNodePayload,
  identityParams,
  isExcludedParamKey,
  nodeIdentity,
  nodeIdPayload,
  pyIntText,
  pyStrip,
  tagQueryParams,
  type JsonObject,
} from '../../domain/dag/node-id';
import { ID_INPUT, INPUT_NODE, nodeIdOf, smaBody, smaNode } from '../fixtures/dags';

interface Vectors {
  node_ids: Array<{ name: string; node_json: string; payload: string; node_id: string }>;
  crc32: Array<{ name: string; ids: string[]; crc32: number }>;
  collisions: Array<{ name: string; payload: string; existing: string[]; node_id: string }>;
}

const vectors = JSON.parse(
  readFileSync(path.join(__dirname, '../fixtures/node-id-vectors.json'), 'utf8'),
) as Vectors;
const node = (text: string) => parseLossless(text) as JsonObject;
const vector = (name: string) => vectors.node_ids.find((v) => v.name.startsWith(name))!;

describe('node id golden vectors (computed by QMTL)', () => {
  it.each(vectors.node_ids.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const parsed = node(v.node_json);
    expect(nodeIdPayload(nodeIdentity(parsed))).toBe(v.payload);
    expect(computeNodeId(parsed)).toBe(v.node_id);
  });

  it('covers what the brief asks for', () => {
    const payloads = vectors.node_ids.map((v) => v.payload).join('\n');
    for (const literal of ['1.0', '2.5e-05', '100000.0', '123456789012345678901234567890', '비트코인']) {
      expect(payloads).toContain(literal);
    }
    expect(vectors.node_ids.length).toBeGreaterThanOrEqual(20);
  });

  it('the Gateway fixtures carry the ids QMTL gives their texts', () => {
    expect(ID_INPUT).toBe(vector('stream input').node_id);
    expect(INPUT_NODE).toContain(`"node_id":"${ID_INPUT}"`);
    expect(nodeIdOf(smaBody('20'))).toBe(vector('sma window 20 (integer').node_id);
    expect(smaNode('20.0')).toContain(vector('sma window 20.0').node_id);
  });

  it('keeps float literals apart from integers: 20.0 is another node than 20', () => {
    expect(vector('sma window 20.0').node_id).not.toBe(vector('sma window 20 (integer').node_id);
  });

  it('does not depend on dependency order, duplicate tags or excluded keys', () => {
    expect(vector('dependencies sorted').node_id).toBe(vector('nested arrays').node_id);
    expect(vector('only excluded keys').node_id).toBe(vector('empty params').node_id);
    expect(vector('schema_compat_id is stripped').node_id).toBe(vector('stream input').node_id);
    expect(vector('empty schema_compat_id falls back').node_id).toBe(vector('stream input').node_id);
  });
});

describe('node_ids_crc32 (computed by QMTL)', () => {
  it.each(vectors.crc32.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(nodeIdsCrc32(v.ids)).toBe(v.crc32);
  });

  it('is the CRC-32 of the concatenated ids, chained piece by piece', () => {
    const [a, b] = [vectors.node_ids[0]!.node_id, vectors.node_ids[1]!.node_id];
    expect(nodeIdsCrc32([a, b])).toBe(crc32(new TextEncoder().encode(a + b)));
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
  });
});

describe('the collision rule (computed by QMTL)', () => {
  it.each(vectors.collisions.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(hashNodePayload(v.payload, v.existing)).toBe(v.node_id);
  });

  it('gives a longer, domain-separated id only when the plain one is taken', () => {
    const taken = vectors.collisions.find((v) => v.existing.length === 1 && v.node_id.length > 71)!;
    expect(taken.node_id).toMatch(/^blake3:[0-9a-f]{128}$/);
    expect(computeNodeId(node(vectors.node_ids[0]!.node_json), taken.existing)).toBe(taken.node_id);
    expect(computeNodeId(node(vectors.node_ids[0]!.node_json), [])).toBe(taken.existing[0]);
  });
});

describe('identity params', () => {
  it('drops excluded keys case-insensitively, at every level and inside lists, and nothing else', () => {
    for (const key of ['World_ID', 'ENV_x', 'env', 'Seed', 'AS_OF', 'random_state', 'Env_', 'DOMAINS']) {
      expect(isExcludedParamKey(key)).toBe(true);
    }
    for (const key of ['environment', 'seed_value', 'my_seed', 'worlds', 'envx', 'window']) {
      expect(isExcludedParamKey(key)).toBe(false);
    }
    const params = node('{"a":{"seed":1,"b":[{"World_ID":2,"c":3}]},"ENV_x":1,"k":1.0}');
    expect(identityParams(params)).toEqual(node('{"a":{"b":[{"c":3}]},"k":1.0}'));
    expect(params.ENV_x).toBeDefined(); // not mutated
  });

  it('keeps a "__proto__" key as data, as Python would', () => {
    const params = identityParams(node('{"__proto__":{"x":1},"seed":2}')) as JsonObject;
    expect(Object.keys(params)).toEqual(['__proto__']);
  });
});

describe('Python semantics the ids depend on', () => {
  it('strips Python whitespace, which includes \\x1c-\\x1f and \\x85 but not \\ufeff', () => {
    expect(pyStrip('\u001c\u0085 v1\u00a0\u3000')).toBe('v1');
    expect(pyStrip('\ufeffv1')).toBe('\ufeffv1');
  });

  it('renders int() like Python', () => {
    expect(pyIntText(parseLossless('60.9') as never)).toBe('60');
    expect(pyIntText(parseLossless('-0.5') as never)).toBe('0');
    expect(pyIntText(parseLossless('1e20') as never)).toBe('100000000000000000000');
    expect(pyIntText(' 1_000 ')).toBe('1000');
    expect(pyIntText('1m')).toBeUndefined();
  });

  it('resolves TagQuery params and refuses what Python would crash on', () => {
    const resolved = tagQueryParams(
      node('{"interval":60,"params":{"query_tags":"b, a,b","match_mode":"All"}}'),
    );
    expect(resolved).toEqual({
      ok: true,
      params: { query_tags: ['a', 'b'], match_mode: 'all', interval: '60' },
    });
    expect(tagQueryParams(node('{"interval":60,"params":{"query_tags":[1]}}'))).toMatchObject({
      ok: false,
      path: 'params.query_tags',
    });
    expect(tagQueryParams(node('{"interval":60,"params":{"tags":["a"],"match_mode":7}}'))).toMatchObject({
      ok: false,
      path: 'params.match_mode',
    });
  });
});
