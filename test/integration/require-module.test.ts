/**
 * The built program (plain node, no tsx hooks) loads users' TypeScript modules
 * through tsx's API. Two strategies in one process — `qmtl demo`, or
 * `npm start -- --demo` — once failed on the second with "Unexpected token
 * 'export'": each `tsx.require` made its own namespace. This compiles
 * sdk/require-module.ts as the build does and loads both examples, and one of
 * them again, in a plain node process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '..', '..');

it('loads several TypeScript strategies in one plain node process', () => {
  // Inside the project, so the compiled file resolves tsx from node_modules as dist/ does.
  const cache = path.join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(path.join(cache, 'qmtl-require-'));
  try {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [
      tsc,
      path.join(ROOT, 'sdk', 'require-module.ts'),
      '--outDir',
      out,
      '--module',
      'commonjs',
      '--target',
      'es2022',
      '--types',
      'node',
    ]);
    const script = `
      const { requireModule } = require(${JSON.stringify(path.join(out, 'require-module.js'))});
      const names = ['sma-crossover.ts', 'rsi-mean-reversion.ts', 'sma-crossover.ts'];
      const loaded = names.map((n) => Object.keys(requireModule(${JSON.stringify(path.join(ROOT, 'examples'))} + '/' + n, 'test')).length > 0);
      process.stdout.write(JSON.stringify(loaded));
    `;
    const answer = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(answer)).toEqual([true, true, true]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
