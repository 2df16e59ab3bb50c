/**
 * Loads a user's module named at run time (a strategy for `qmtl submit`, a
 * node-type plugin for the workers). Under tsx and jest, `require` already
 * compiles TypeScript; plain node (the built program) borrows tsx's loader for
 * a .ts file when tsx is installed.
 */
type TsxRequire = (id: string, fromFile: string) => unknown;
let tsxRequire: TsxRequire | undefined;

/**
 * One tsx namespace for the whole process: `tsx.require` makes a new one per
 * call, and a second call then meets modules the first compiled (the SDK) in
 * a cache it cannot read — "Unexpected token 'export'" on the second strategy.
 */
function loadTsx(hint: string, file: string): TsxRequire {
  if (tsxRequire) return tsxRequire;
  let api: { register(options: { namespace: string }): { require: TsxRequire } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: a dev dependency
    api = require('tsx/cjs/api') as typeof api;
  } catch {
    throw new Error(`${file} is TypeScript and tsx is not installed: ${hint}`);
  }
  tsxRequire = api.register({ namespace: 'qmtl-user-modules' }).require;
  return tsxRequire;
}

export function requireModule(file: string, hint: string): unknown {
  const typeScript = /\.[cm]?tsx?$/.test(file);
  // Once tsx is registered it lists '.ts' among the extensions itself; keep using it.
  const plainNode =
    tsxRequire !== undefined || ('.js' in require.extensions && !('.ts' in require.extensions));
  if (!typeScript || !plainNode) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is the user's, named at run time
    return require(file);
  }
  return loadTsx(hint, file)(file, __filename);
}
