/**
 * Recorded workflow histories (test/histories/<workflowType>/<case>.json).
 * Integration tests call `recordHistory` on the workflows they drove; it
 * writes only when QMTL_RECORD_HISTORIES=1 (`npm run histories:record`), so a
 * normal test run never rewrites the fixtures the replay test depends on.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { resolveTemporalCli } from '../../workers/temporal-binaries';
import type { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'histories');

export function recordingEnabled(): boolean {
  return process.env.QMTL_RECORD_HISTORIES === '1';
}

/**
 * Exports with the Temporal CLI (`temporal workflow show --output json`): the
 * same JSON the UI downloads, and what historyFromJSON reads back. (The SDK's
 * historyToJSON trips over its two protobufjs copies.)
 */
export async function recordHistory(client: Client, workflowId: string, caseName: string): Promise<void> {
  if (!recordingEnabled()) return;
  const { type } = await client.workflow.getHandle(workflowId).describe();
  const cli = await resolveTemporalCli({ temporalCliPath: process.env.TEMPORAL_CLI_PATH });
  if (cli.type !== 'existing-path') throw new Error('recording histories needs a local Temporal CLI');
  const json = execFileSync(
    cli.path,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--namespace',
      client.options.namespace,
      '--address',
      process.env.QMTL_TEST_TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      '--output',
      'json',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const dir = path.join(HISTORIES_DIR, type);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${caseName}.json`), JSON.stringify(JSON.parse(json), null, 1) + '\n');
}

export interface RecordedHistory {
  workflowType: string;
  caseName: string;
  workflowId: string;
  history: temporal.api.history.v1.IHistory;
}

export function loadHistories(): RecordedHistory[] {
  if (!existsSync(HISTORIES_DIR)) return [];
  return readdirSync(HISTORIES_DIR).flatMap((workflowType) =>
    readdirSync(path.join(HISTORIES_DIR, workflowType))
      .filter((file) => file.endsWith('.json'))
      .map((file) => ({
        workflowType,
        caseName: file.replace(/\.json$/, ''),
        workflowId: `${workflowType}/${file}`,
        history: historyFromJSON(
          JSON.parse(readFileSync(path.join(HISTORIES_DIR, workflowType, file), 'utf8')),
        ),
      })),
  );
}

/** recordHistory against a time-skipping test server (its own address, not the shared dev server's). */
export async function recordHistoryFromEnv(
  env: { client: Client; address: string },
  workflowId: string,
  caseName: string,
): Promise<void> {
  const devServer = process.env.QMTL_TEST_TEMPORAL_ADDRESS;
  process.env.QMTL_TEST_TEMPORAL_ADDRESS = env.address;
  try {
    await recordHistory(env.client, workflowId, caseName);
  } finally {
    if (devServer === undefined) delete process.env.QMTL_TEST_TEMPORAL_ADDRESS;
    else process.env.QMTL_TEST_TEMPORAL_ADDRESS = devServer;
  }
}
