/**
 * Registers the Qmtl* search attributes (workflows/search-attributes.ts) on an
 * external cluster (TEMPORAL_ADDRESS). The embedded dev server gets them as
 * start-up flags instead (workers/dev-server.ts). Idempotent and safe to run
 * from several workers at once.
 */
import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
// Not re-exported by the package index; the SDK's own modules import it from here.
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { QMTL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** gRPC status codes we tell apart. */
const ALREADY_EXISTS = 6;
const PERMISSION_DENIED = 7;
const UNIMPLEMENTED = 12;

/** Names the CLI and `temporal operator search-attribute create --type` use. */
export const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export class SearchAttributeSetupError extends Error {
  override name = 'SearchAttributeSetupError';
}

/** Adds the Qmtl* attributes missing from `namespace`; returns the names it added. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await registeredAttributes(connection, namespace);
  const missing = QMTL_SEARCH_ATTRIBUTES.filter((key) => !existing.has(key.name));
  const mistyped = QMTL_SEARCH_ATTRIBUTES.filter(
    (key) =>
      existing.has(key.name) && existing.get(key.name) !== encodeSearchAttributeIndexedValueType(key.type),
  );
  if (mistyped.length > 0) {
    const names = mistyped.map((key) => `${key.name} (want ${CLI_TYPE_NAMES[key.type]})`).join(', ');
    throw new SearchAttributeSetupError(
      `namespace ${namespace} has search attributes of the wrong type: ${names}`,
    );
  }
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(
    missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    const code = (err as { code?: number }).code;
    // Another worker registered them between our list and add.
    if (code === ALREADY_EXISTS) return [];
    if (code === PERMISSION_DENIED || code === UNIMPLEMENTED) {
      throw new SearchAttributeSetupError(
        `cannot register search attributes on namespace ${namespace} (${(err as Error).message}); ` +
          `register them once by hand: ${createCommands(missing, namespace).join(' && ')}`,
      );
    }
    throw err;
  }
  return missing.map((key) => key.name);
}

async function registeredAttributes(
  connection: Connection,
  namespace: string,
): Promise<Map<string, unknown>> {
  const response = await connection.operatorService.listSearchAttributes({ namespace });
  return new Map([
    ...Object.entries(response.systemAttributes ?? {}),
    ...Object.entries(response.customAttributes ?? {}),
  ]);
}

/** `temporal operator search-attribute create` lines, one per type (the CLI takes one --type per call). */
export function createCommands(
  keys: readonly { name: string; type: SearchAttributeType }[],
  namespace: string,
): string[] {
  const byType = new Map<SearchAttributeType, string[]>();
  for (const key of keys) byType.set(key.type, [...(byType.get(key.type) ?? []), key.name]);
  return [...byType].map(
    ([type, names]) =>
      `temporal operator search-attribute create --namespace ${namespace} ` +
      `${names.map((name) => `--name ${name}`).join(' ')} --type ${CLI_TYPE_NAMES[type]}`,
  );
}
