/**
 * Custom node types (SPEC §6): TypeScript or JavaScript modules named in
 * QMTL_PLUGINS, loaded once at start-up. Each exports a node-type definition
 * (domain/nodes/library.ts NodePlugin); its code_hash is the sha256 of the
 * module file's bytes, so changed code is a new node id. The Gateway's
 * validation catalog and the workers' computations both come from this list.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { z } from 'zod';
import { BUILTIN_NODE_TYPES } from '../domain/dag/node-types';
import type { NodePlugin } from '../domain/nodes/library';
import { requireModule } from '../sdk/require-module';

export interface LoadedPlugin {
  plugin: NodePlugin;
  /** `plugin:sha256:` + hex sha256 of the module file. */
  codeHash: string;
  /** As configured (relative to the working directory). */
  file: string;
}

export class PluginError extends Error {
  override name = 'PluginError';
}

export const PLUGIN_HASH_PREFIX = 'plugin:sha256:';

/** The code hash of a plugin's source: only the module file itself, not what it imports. */
export function pluginCodeHash(source: Uint8Array): string {
  return PLUGIN_HASH_PREFIX + bytesToHex(sha256(source));
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function');

// The name becomes a queue-name segment and a node_type in DAGs: keep it plain.
const pluginShape = z.object({
  nodeType: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a letter then letters, digits or _'),
  params: z.custom<z.ZodType>(
    (v) => typeof (v as { safeParse?: unknown } | null)?.safeParse === 'function',
    'must be a zod schema',
  ),
  inputs: z.number().int().min(1).max(64),
  warmup: fn,
  compute: fn,
});

/** A module's plugin: its default export when that is one, else the module's own named exports. */
function pluginOf(exports: unknown, file: string): NodePlugin {
  const candidate =
    (exports as { default?: { nodeType?: unknown } } | null)?.default?.nodeType !== undefined
      ? (exports as { default: unknown }).default
      : exports;
  const parsed = pluginShape.safeParse(candidate);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'module'}: ${i.message}`);
    throw new PluginError(`plugin ${file}: not a node type (${issues.join('; ')})`);
  }
  return candidate as NodePlugin;
}

/**
 * Loads the configured plugin modules, in order. A name already built in or
 * already taken by an earlier plugin is refused: a node type runs exactly one
 * code, everywhere.
 */
export function loadPlugins(files: readonly string[], cwd = process.cwd()): LoadedPlugin[] {
  const loaded: LoadedPlugin[] = [];
  const builtins: ReadonlySet<string> = new Set(BUILTIN_NODE_TYPES);
  for (const file of files) {
    const absolute = path.resolve(cwd, file);
    let source: Buffer;
    try {
      source = readFileSync(absolute);
    } catch (err) {
      throw new PluginError(`plugin ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    const plugin = pluginOf(requireModule(absolute, 'list compiled .js plugins, or install tsx'), file);
    if (builtins.has(plugin.nodeType)) {
      throw new PluginError(`plugin ${file}: node type '${plugin.nodeType}' is built in`);
    }
    const clash = loaded.find((p) => p.plugin.nodeType === plugin.nodeType);
    if (clash) {
      throw new PluginError(
        `plugin ${file}: node type '${plugin.nodeType}' is already defined by ${clash.file}`,
      );
    }
    loaded.push({ plugin, codeHash: pluginCodeHash(source), file });
  }
  return loaded;
}

/** (node type, code hash) pairs for the Gateway's validation catalog. */
export function pluginCatalogEntries(plugins: readonly LoadedPlugin[]): Array<readonly [string, string]> {
  return plugins.map((p) => [p.plugin.nodeType, p.codeHash] as const);
}
