/**
 * Node-type plugins: loading (shape, name clashes), the code hash of the
 * module's bytes, QMTL_PLUGINS parsing, and plugins in the node library and
 * run plan alongside the built-ins.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeTypeCatalog, nodeTypeProblem } from '../../domain/dag/node-types';
import { computeNode, nodeLibrary } from '../../domain/nodes/library';
import { planRun } from '../../domain/run/plan';
import { momentum } from '../../examples/plugins/momentum';
import { loadConfig } from '../../workers/config';
import { loadPlugins, pluginCodeHash, PluginError } from '../../workers/plugins';

const EXAMPLE = 'examples/plugins/momentum.ts';

/** A plain-JS plugin module (no imports, so it loads from any folder); `body` varies the source. */
function pluginSource(nodeType: string, body = 'return new Float64Array(inputs[0].length);'): string {
  return `exports.nodeType = ${JSON.stringify(nodeType)};
exports.params = { safeParse: (v) => ({ success: true, data: v }) };
exports.inputs = 1;
exports.warmup = () => 0;
exports.compute = (inputs) => { ${body} };
`;
}

describe('plugins', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    writeFileSync(path.join(dir, name), text);
    return name;
  };
  const load = (...files: string[]) => loadPlugins(files, dir);
  const loadError = (...files: string[]): string => {
    try {
      load(...files);
    } catch (err) {
      expect(err).toBeInstanceOf(PluginError);
      return (err as Error).message;
    }
    throw new Error('expected a PluginError');
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'qmtl-plugins-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the example plugin; its code hash is the sha256 of the file bytes', () => {
    const [loaded, ...rest] = loadPlugins([EXAMPLE]);
    expect(rest).toEqual([]);
    expect(loaded!.plugin.nodeType).toBe('momentum');
    expect(loaded!.file).toBe(EXAMPLE);
    const hex = createHash('sha256').update(readFileSync(EXAMPLE)).digest('hex');
    expect(loaded!.codeHash).toBe(`plugin:sha256:${hex}`);
    expect(pluginCodeHash(readFileSync(EXAMPLE))).toBe(loaded!.codeHash);
  });

  it('gives changed source a new code hash, and the same source the same one', () => {
    const [a] = load(write('a.js', pluginSource('thing')));
    const [b] = load(
      write('b.js', pluginSource('thing', 'return new Float64Array(inputs[0].length).fill(1);')),
    );
    const [c] = load(write('c.js', pluginSource('thing')));
    expect(a!.codeHash).toMatch(/^plugin:sha256:[0-9a-f]{64}$/);
    expect(b!.codeHash).not.toBe(a!.codeHash);
    expect(c!.codeHash).toBe(a!.codeHash);
  });

  it('refuses a built-in name and a name another plugin took', () => {
    expect(loadError(write('sma.js', pluginSource('sma')))).toMatch(/node type 'sma' is built in/);
    expect(loadError(write('stream.js', pluginSource('StreamInput')))).toMatch(/is built in/);
    const first = write('one.js', pluginSource('twin'));
    const second = write('two.js', pluginSource('twin'));
    expect(loadError(first, second)).toBe("plugin two.js: node type 'twin' is already defined by one.js");
  });

  it('refuses a module that is no node type, and a missing file, naming the file', () => {
    const broken = write('broken.js', 'exports.nodeType = "x y"; exports.inputs = 0;');
    const message = loadError(broken);
    expect(message).toMatch(/^plugin broken\.js: not a node type/);
    expect(message).toMatch(/nodeType: /);
    expect(message).toMatch(/params: must be a zod schema/);
    expect(message).toMatch(/compute: must be a function/);
    expect(loadError('absent.ts')).toMatch(/^plugin absent\.ts: cannot read it \(ENOENT\)/);
  });

  it('reads QMTL_PLUGINS as a comma-separated list (empty by default)', () => {
    expect(loadConfig({}, dir).plugins).toEqual([]);
    expect(loadConfig({ QMTL_PLUGINS: ` ${EXAMPLE}, plugins/other.js ,` }, dir).plugins).toEqual([
      EXAMPLE,
      'plugins/other.js',
    ]);
  });

  it('computes and plans a plugin node next to the built-ins; the catalog pins its code hash', () => {
    const library = nodeLibrary([momentum]);
    const out = computeNode('momentum', [[100, 110, null, 121, 0, 5]], { window: 1 }, library);
    expect(Array.from(out, (v) => (Number.isNaN(v) ? null : Number(v.toFixed(6))))).toEqual([
      null,
      0.1,
      null,
      null,
      -1,
      null,
    ]);
    expect(() => computeNode('momentum', [[1]], { window: 1 })).toThrow(/no computation for node type/);
    expect(() => computeNode('momentum', [[1]], { window: 0 }, library)).toThrow(/invalid params/);

    const nodes = [
      {
        node_id: 'in',
        node_type: 'StreamInput',
        params: { source: 'ohlcv:sim:BTC/USDT:1m' },
        dependencies: [],
      },
      { node_id: 'm', node_type: 'momentum', params: { window: 5 }, dependencies: ['in'] },
    ];
    const request = {
      nodes,
      meta: {},
      worldId: 'w',
      mode: 'backtest' as const,
      startedAtMs: Date.UTC(2025, 2, 2),
    };
    expect(planRun(request)).toEqual({ error: "node m: node type 'momentum' has no computation here" });
    expect(planRun({ ...request, library })).toMatchObject({ steps: [{ nodeId: 'in' }, { nodeId: 'm' }] });

    const catalog = nodeTypeCatalog([['momentum', 'plugin:sha256:aa']]);
    expect(nodeTypeProblem(catalog, 'momentum', 'plugin:sha256:aa')).toBeUndefined();
    expect(nodeTypeProblem(catalog, 'momentum', 'plugin:sha256:bb')).toMatch(
      /runs code_hash 'plugin:sha256:aa'/,
    );
  });
});
