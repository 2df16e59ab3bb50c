/**
 * The DAG Manager's validation: every code, and the order in which they win
 * when a DAG has several problems (SPEC §6).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseLossless } from '../../domain/canonical-json';
import { nodeIdsCrc32 } from '../../domain/dag/checksum';
import { acceptDag, intakeDag, isIntakeError, type ValidatedDag } from '../../domain/dag/intake';
import type { JsonObject } from '../../domain/dag/node-id';
import { BUILTIN_CATALOG, nodeTypeCatalog } from '../../domain/dag/node-types';
import { DAG_CHECKS, type DagProblem } from '../../domain/dag/validate';
import { ID_INPUT, INPUT_NODE, nodeIdOf, smaBody, smaNode, withId } from '../fixtures/dags';

const ID_SMA = nodeIdOf(smaBody('20'));
const FAKE = (c: string) => 'blake3:' + c.repeat(64);

const body = (nodes: string[]) => `{"dag":{"nodes":[${nodes.join(',')}]}}`;
const intake = (nodes: string[], options: Parameters<typeof intakeDag>[1] = {}) =>
  intakeDag({ bodyText: body(nodes) }, options);

function problem(result: ValidatedDag | DagProblem): DagProblem {
  if (!isIntakeError(result)) throw new Error('expected the DAG to be refused');
  return result;
}

/** A node of the given type over the given dependencies, with its real id. */
const node = (nodeType: string, deps: string[], extra = '', codeHash = `builtin:${nodeType}`) =>
  withId(
    `{"node_type":"${nodeType}","interval":60,"period":5,"params":{"window":5},"dependencies":${JSON.stringify(deps)},"schema_compat_id":"","code_hash":"${codeHash}"${extra}}`,
  );

/** Two nodes that depend on each other: their ids cannot both be right. */
const cyclePair = [
  `{"node_id":"${FAKE('a')}","node_type":"sma","interval":60,"period":5,"params":{},"dependencies":["${FAKE('b')}"],"schema_compat_id":"","code_hash":"builtin:sma"}`,
  `{"node_id":"${FAKE('b')}","node_type":"sma","interval":60,"period":5,"params":{},"dependencies":["${FAKE('a')}"],"schema_compat_id":"","code_hash":"builtin:sma"}`,
];

describe('DAG validation', () => {
  it('accepts a DAG with real ids and gives its topological order and checksum', () => {
    const result = intake([smaNode('20'), INPUT_NODE], { nodeIdsCrc32: nodeIdsCrc32([ID_SMA, ID_INPUT]) });
    if (isIntakeError(result)) throw new Error(result.detail);
    expect(result.order).toEqual([ID_INPUT, ID_SMA]);
    expect(result.nodeIdsCrc32).toBe(nodeIdsCrc32([ID_SMA, ID_INPUT]));
    expect(result.nodes[0]!.params).toEqual(parseLossless('{"window":20}'));
  });

  it('runs the checks in SPEC order', () => {
    expect(DAG_CHECKS.map((c) => c.code)).toEqual([
      'E_SCHEMA_COMPAT_MISMATCH',
      'E_CHECKSUM_MISMATCH',
      'E_NODE_ID_MISMATCH',
      'E_VALIDATION',
      'E_DAG_CYCLE',
      'E_NODE_TYPE_UNKNOWN',
    ]);
  });

  describe('each code, and what it beats', () => {
    it('E_NODE_ID_FIELDS beats a cycle, a bad checksum and unknown types', () => {
      const missing = cyclePair[0]!.replace(',"period":5', '').replace('"sma"', '"nope"');
      const p = problem(intake([missing, cyclePair[1]!], { nodeIdsCrc32: 1 }));
      expect(p).toMatchObject({
        code: 'E_NODE_ID_FIELDS',
        errors: [{ path: 'dag.nodes.0', message: 'missing period' }],
      });
    });

    it('E_NODE_ID_FIELDS for a TagQuery node without tags or interval', () => {
      const tagQuery = withId(
        '{"node_type":"TagQueryNode","interval":null,"period":0,"params":{"query_tags":[]},"dependencies":[],"schema_compat_id":"","code_hash":"builtin:TagQueryNode"}',
        FAKE('c'),
      );
      expect(problem(intake([tagQuery])).errors).toEqual([
        { path: 'dag.nodes.0', message: 'missing query_tags, interval', code: 'missing_fields' },
      ]);
    });

    it('E_VALIDATION (node shape) beats a schema conflict and a bad checksum', () => {
      const bad = INPUT_NODE.replace('"period":200', '"period":"200"').replace(
        '"schema_compat_id"',
        '"schema_id":"x","schema_compat_id"',
      );
      const p = problem(intake([bad], { nodeIdsCrc32: 1 }));
      expect(p).toMatchObject({ code: 'E_VALIDATION', errors: [{ path: 'dag.nodes.0.period' }] });
    });

    it('E_SCHEMA_COMPAT_MISMATCH when the legacy schema_id names another schema; beats a bad checksum', () => {
      const legacy = INPUT_NODE.replace('"schema_compat_id"', '"schema_id":"ohlcv-v2","schema_compat_id"');
      const p = problem(intake([legacy], { nodeIdsCrc32: 1 }));
      expect(p.code).toBe('E_SCHEMA_COMPAT_MISMATCH');
      expect(p.extra).toEqual({
        schema_conflicts: [
          { index: 0, node_id: ID_INPUT, schema_compat_id: 'ohlcv-v1', schema_id: 'ohlcv-v2' },
        ],
      });
      // The same schema under both names is no conflict, and schema_id does not change the id.
      const agreeing = INPUT_NODE.replace(
        '"schema_compat_id"',
        '"schema_id":" ohlcv-v1 ","schema_compat_id"',
      );
      expect(isIntakeError(intake([agreeing]))).toBe(false);
    });

    it('E_CHECKSUM_MISMATCH beats a wrong id; checked only when sent', () => {
      const wrongId = withId(smaBody('20'), FAKE('d'));
      const p = problem(intake([INPUT_NODE, wrongId], { nodeIdsCrc32: 12345 }));
      expect(p).toMatchObject({
        code: 'E_CHECKSUM_MISMATCH',
        extra: { node_ids_crc32: 12345, expected: nodeIdsCrc32([ID_INPUT, FAKE('d')]) },
      });
      expect(problem(intake([INPUT_NODE, wrongId])).code).toBe('E_NODE_ID_MISMATCH');
      // The checksum covers submitted order.
      const reversed = nodeIdsCrc32([ID_SMA, ID_INPUT]);
      expect(problem(intake([INPUT_NODE, smaNode('20')], { nodeIdsCrc32: reversed })).code).toBe(
        'E_CHECKSUM_MISMATCH',
      );
    });

    it('E_NODE_ID_MISMATCH names the offending node_id and the expected id; beats a cycle', () => {
      const wrongId = withId(smaBody('20'), FAKE('e'));
      const p = problem(intake([INPUT_NODE, wrongId]));
      expect(p).toMatchObject({
        code: 'E_NODE_ID_MISMATCH',
        extra: { node_id: FAKE('e'), expected: ID_SMA },
        errors: [{ path: 'dag.nodes.1.node_id', message: `expected ${ID_SMA}` }],
      });
      expect(problem(intake(cyclePair)).code).toBe('E_NODE_ID_MISMATCH');
    });

    it('E_NODE_ID_MISMATCH when a float literal is sent as an integer (20.0 vs 20)', () => {
      const p = problem(intake([INPUT_NODE, withId(smaBody('20.0'), ID_SMA)]));
      expect(p.extra).toMatchObject({ node_id: ID_SMA, expected: nodeIdOf(smaBody('20.0')) });
    });

    it('E_VALIDATION for a dependency outside the DAG and for a repeated node; beats unknown types', () => {
      const orphan = node('nope', [FAKE('f')]);
      const p = problem(intake([orphan]));
      expect(p).toMatchObject({
        code: 'E_VALIDATION',
        errors: [{ path: 'dag.nodes.0.dependencies.0', code: 'unknown_dependency' }],
      });
      const twice = problem(intake([INPUT_NODE, INPUT_NODE]));
      expect(twice.errors).toEqual([
        expect.objectContaining({ path: 'dag.nodes.1.node_id', code: 'duplicate_node_id' }),
      ]);
    });

    it('E_DAG_CYCLE names the cycle (reachable only past the id check, which a cycle cannot pass)', () => {
      const dag = acceptDag(parseLossless(`{"nodes":[${cyclePair.join(',')}]}`), 'dag');
      if (isIntakeError(dag)) throw new Error(dag.detail);
      const cycle = DAG_CHECKS.find((c) => c.code === 'E_DAG_CYCLE')!;
      const finding = cycle.run({ field: 'dag', dag: dag.dag, nodes: dag.nodes, catalog: BUILTIN_CATALOG });
      expect(finding).toMatchObject({
        extra: { cycle: [FAKE('a'), FAKE('b'), FAKE('a')] },
        errors: [{ path: 'dag.nodes.0.dependencies' }],
      });
    });

    it('E_NODE_TYPE_UNKNOWN for an unknown type or a built-in with foreign code; plugins extend the catalog', () => {
      const custom = node('my_plugin', [ID_INPUT], '', 'sha256:abc');
      const p = problem(intake([INPUT_NODE, custom]));
      expect(p).toMatchObject({
        code: 'E_NODE_TYPE_UNKNOWN',
        extra: { node_types: ['my_plugin'] },
        errors: [{ path: 'dag.nodes.1.node_type' }],
      });
      const forged = node('sma', [ID_INPUT], '', 'sha256:abc');
      expect(problem(intake([INPUT_NODE, forged])).errors[0]?.message).toContain(
        "runs code_hash 'builtin:sma'",
      );
      const catalog = nodeTypeCatalog([['my_plugin', 'sha256:abc']]);
      expect(isIntakeError(intake([INPUT_NODE, custom], { catalog }))).toBe(false);
    });
  });

  describe('node shape beyond the schema', () => {
    it('refuses inputs that name other nodes than dependencies (QMTL would hash inputs)', () => {
      const sma = smaNode('20').replace('"schema_compat_id"', `"inputs":["${FAKE('1')}"],"schema_compat_id"`);
      expect(problem(intake([INPUT_NODE, sma])).errors[0]).toMatchObject({
        path: 'dag.nodes.1.inputs',
        code: 'inputs_mismatch',
      });
      const same = smaNode('20').replace('"schema_compat_id"', `"inputs":["${ID_INPUT}"],"schema_compat_id"`);
      expect(isIntakeError(intake([INPUT_NODE, same]))).toBe(false);
    });

    it('refuses node-level TagQuery settings that disagree with the ones hashed', () => {
      const text =
        '{"node_type":"TagQueryNode","interval":60,"period":0,"params":{"query_tags":["btc"],"match_mode":"any"},"query_tags":["eth"],"match_mode":"all","dependencies":[],"schema_compat_id":"","code_hash":"builtin:TagQueryNode"}';
      expect(problem(intake([withId(text)])).errors.map((e) => e.path)).toEqual([
        'dag.nodes.0.query_tags',
        'dag.nodes.0.match_mode',
      ]);
      const agreeing = text
        .replace('["eth"]', '["btc","btc"]')
        .replace('"match_mode":"all"', '"match_mode":"any"');
      expect(isIntakeError(intake([withId(agreeing)]))).toBe(false);
    });

    it('refuses unpaired surrogates (they have no UTF-8 to hash) and duplicate keys', () => {
      const lone = INPUT_NODE.replace('"params":{', '"params":{"label":"\\ud800",');
      expect(problem(intake([lone])).errors[0]).toMatchObject({
        path: 'dag.nodes.0.params.label',
        code: 'invalid_unicode',
      });
      const paired = INPUT_NODE.replace('"params":{', '"params":{"label":"\\ud83d\\ude80",');
      expect(problem(intake([paired])).code).toBe('E_NODE_ID_MISMATCH'); // valid text, other content
      const dupKeys = `{"dag":{"nodes":[${INPUT_NODE.replace('"period":200', '"period":200,"period":201')}]}}`;
      expect(problem(intakeDag({ bodyText: dupKeys }))).toMatchObject({
        code: 'E_VALIDATION',
        errors: [{ path: 'dag', code: 'invalid_json' }],
      });
    });

    it('reads dag_json (base64) exactly like an inline DAG', () => {
      const text = `{"nodes":[${INPUT_NODE},${smaNode('20.0')}]}`;
      const inline = intakeDag({ bodyText: `{"dag":${text}}` });
      const encoded = intakeDag({ dagJson: Buffer.from(text).toString('base64') });
      if (isIntakeError(inline) || isIntakeError(encoded)) throw new Error('expected acceptance');
      expect(encoded.strategyId).toBe(inline.strategyId);
      const wrong = intakeDag({ dagJson: Buffer.from(text.replace('20.0', '20')).toString('base64') });
      expect(problem(wrong).errors[0]?.path).toBe('dag_json.nodes.1.node_id');
      expect(
        problem(intakeDag({ dagJson: Buffer.from([0xff, 0xfe]).toString('base64') })).errors[0]?.code,
      ).toBe('invalid_utf8');
    });
  });

  it('accepts every golden-vector node as a node of the schema', () => {
    const { node_ids } = JSON.parse(
      readFileSync(path.join(__dirname, '../fixtures/node-id-vectors.json'), 'utf8'),
    ) as { node_ids: Array<{ node_json: string; node_id: string }> };
    for (const v of node_ids) {
      const accepted = acceptDag(parseLossless(`{"nodes":[${withId(v.node_json, v.node_id)}]}`), 'dag');
      expect(isIntakeError(accepted) ? accepted.errors : []).toEqual([]);
      if (!isIntakeError(accepted)) expect((accepted.nodes[0] as JsonObject).node_id).toBe(v.node_id);
    }
  });
});
