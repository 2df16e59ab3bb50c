/**
 * Loads a user's module named at run time (a strategy for `qmtl submit`, a
 * node-type plugin for the workers). Under tsx and jest, `require` already
 * compiles TypeScript; plain node (the built program) borrows tsx's loader for
 * a .ts file when tsx is installed.
 */
export function requireModule(file: string, hint: string): unknown {
  const typeScript = /\.[cm]?tsx?$/.test(file);
  const plainNode = '.js' in require.extensions && !('.ts' in require.extensions);
  if (!typeScript || !plainNode) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is the user's, named at run time
    return require(file);
  }
  let tsx: { require(id: string, fromFile: string): unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: a dev dependency
    tsx = require('tsx/cjs/api') as typeof tsx;
  } catch {
    throw new Error(`${file} is TypeScript and tsx is not installed: ${hint}`);
  }
  return tsx.require(file, __filename);
}
