import { parseLossless } from '../../domain/canonical-json';
import { acceptDag, decodeDagJson, isIntakeError } from '../../domain/dag/intake';

const ID_A = 'blake3:' + 'a'.repeat(64);
const ID_B = 'blake3:' + 'b'.repeat(64);

const nodeA = `{"node_id":"${ID_A}","node_type":"StreamInput","interval":60,"period":100,"params":{"source":"ohlcv:sim:BTC/USDT:1m"},"dependencies":[],"schema_compat_id":"ohlcv-v1","code_hash":"builtin:StreamInput"}`;
const nodeB = `{"node_id":"${ID_B}","node_type":"sma","interval":60,"period":20,"params":{"window":20,"alpha":1.0},"dependencies":["${ID_A}"],"schema_compat_id":"","code_hash":"builtin:sma"}`;

describe('DAG intake', () => {
  it('gives the same strategy id whatever the node or key order', () => {
    const first = acceptDag(parseLossless(`{"nodes":[${nodeA},${nodeB}]}`), 'dag');
    const reorderedB = nodeB.replace('"node_type":"sma",', '').replace('{', '{"node_type":"sma",');
    const second = acceptDag(parseLossless(`{"nodes":[${reorderedB},${nodeA}]}`), 'dag');
    if (isIntakeError(first) || isIntakeError(second)) throw new Error('expected acceptance');
    expect(second.strategyId).toBe(first.strategyId);
    expect(first.strategyId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps float literals: 1.0 and 1 are different strategies', () => {
    const withFloat = acceptDag(parseLossless(`{"nodes":[${nodeB}]}`), 'dag');
    const withInt = acceptDag(
      parseLossless(`{"nodes":[${nodeB.replace('"alpha":1.0', '"alpha":1')}]}`),
      'dag',
    );
    if (isIntakeError(withFloat) || isIntakeError(withInt)) throw new Error('expected acceptance');
    expect(withFloat.canonicalText).toContain('"alpha":1.0');
    expect(withInt.canonicalText).toContain('"alpha":1,');
    expect(withFloat.strategyId).not.toBe(withInt.strategyId);
  });

  it('names every node that lacks id fields with E_NODE_ID_FIELDS before any other check', () => {
    const broken = nodeA.replace(',"period":100', '').replace(',"code_hash":"builtin:StreamInput"', '');
    const result = acceptDag(parseLossless(`{"nodes":[${broken},{"node_type":7}]}`), 'dag');
    expect(isIntakeError(result) && result.code).toBe('E_NODE_ID_FIELDS');
    if (!isIntakeError(result)) return;
    expect(result.errors[0]).toEqual({
      path: 'dag.nodes.0',
      message: 'missing period, code_hash',
      code: 'missing_fields',
    });
    expect(result.errors[1]?.path).toBe('dag.nodes.1');
  });

  it('refuses wrong types and unknown node fields with per-field errors', () => {
    const bad = nodeA.replace('"interval":60', '"interval":"60"').replace('{', '{"colour":"red",');
    const result = acceptDag(parseLossless(`{"nodes":[${bad}]}`), 'dag_json');
    expect(isIntakeError(result) && result.code).toBe('E_VALIDATION');
    if (!isIntakeError(result)) return;
    const paths = result.errors.map((e) => e.path).sort();
    expect(paths).toEqual(['dag_json.nodes.0', 'dag_json.nodes.0.interval']);
  });

  it('refuses numbers beyond the double range', () => {
    const result = acceptDag(parseLossless(`{"nodes":[${nodeB.replace('1.0', '1e400')}]}`), 'dag');
    expect(isIntakeError(result) && result.errors[0]?.code).toBe('non_finite_number');
  });

  it('decodes base64 dag_json and refuses bad base64 or non-JSON', () => {
    const text = `{"nodes":[${nodeA}]}`;
    const decoded = decodeDagJson(Buffer.from(text).toString('base64'));
    expect(isIntakeError(decoded)).toBe(false);
    expect(isIntakeError(decodeDagJson('not base64!')) && decodeDagJson('not base64!')).toMatchObject({
      code: 'E_VALIDATION',
      errors: [{ path: 'dag_json', code: 'invalid_base64' }],
    });
    expect(decodeDagJson(Buffer.from('{nope').toString('base64'))).toMatchObject({
      errors: [{ code: 'invalid_json' }],
    });
  });
});
