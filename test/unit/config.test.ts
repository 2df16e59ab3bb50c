import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../workers/config';

describe('loadConfig', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(path.join(os.tmpdir(), 'qmtl-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('has the documented defaults', () => {
    const config = loadConfig({}, cwd);
    expect(config).toMatchObject({
      port: 8080,
      home: path.join(cwd, '.qmtl'),
      temporalNamespace: 'default',
      temporalUiPort: 8233,
      temporalDevPort: 7233,
      workerQueues: ['qmtl-control', 'qmtl-data', 'qmtl-exec'],
    });
    expect(config.temporalAddress).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.adminKey).toBeUndefined();
  });

  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ QMTL_PORT: 'abc' }, cwd)).toThrow(ConfigError);
    expect(() => loadConfig({ QMTL_PORT: 'abc' }, cwd)).toThrow(/QMTL_PORT/);
    expect(() => loadConfig({ QMTL_DATABASE_URL: 'mysql://x' }, cwd)).toThrow(/QMTL_DATABASE_URL/);
  });

  it('reads the execution settings, with defaults', () => {
    expect(loadConfig({}, cwd)).toMatchObject({
      simStartingBalances: { USDT: '100000' },
      orderPollMs: 5000,
      reconcileIntervalMs: 300000,
      orphanPolicy: 'adopt',
      dayCutoffUtc: '00:00',
    });
    const env = {
      QMTL_SIM_BALANCES: 'USDT=2500.50, BTC=0.1',
      QMTL_ORDER_POLL_MS: '1000',
      QMTL_ORPHAN_POLICY: 'cancel',
      QMTL_DAY_CUTOFF_UTC: '21:00',
    };
    expect(loadConfig(env, cwd)).toMatchObject({
      simStartingBalances: { USDT: '2500.50', BTC: '0.1' },
      orderPollMs: 1000,
      orphanPolicy: 'cancel',
      dayCutoffUtc: '21:00',
    });
    expect(() => loadConfig({ QMTL_SIM_BALANCES: 'USDT=-5' }, cwd)).toThrow(/QMTL_SIM_BALANCES: USDT/);
    expect(() => loadConfig({ QMTL_SIM_BALANCES: 'usdt=5' }, cwd)).toThrow(/QMTL_SIM_BALANCES/);
    expect(() => loadConfig({ QMTL_ORPHAN_POLICY: 'ignore' }, cwd)).toThrow(/QMTL_ORPHAN_POLICY/);
    expect(() => loadConfig({ QMTL_DAY_CUTOFF_UTC: '24:00' }, cwd)).toThrow(/QMTL_DAY_CUTOFF_UTC/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '  ', QMTL_DATABASE_URL: '' }, cwd)).toMatchObject({
      temporalAddress: undefined,
      databaseUrl: undefined,
    });
  });

  it('merges qmtl.config.json, and the environment wins', () => {
    writeFileSync(
      path.join(cwd, 'qmtl.config.json'),
      JSON.stringify({ port: 9090, temporalNamespace: 'from-file', workerQueues: 'qmtl-data' }),
    );
    const config = loadConfig({ TEMPORAL_NAMESPACE: 'from-env' }, cwd);
    expect(config.port).toBe(9090);
    expect(config.workerQueues).toEqual(['qmtl-data']);
    expect(config.temporalNamespace).toBe('from-env');
  });

  it('refuses a qmtl.config.json that is not an object', () => {
    writeFileSync(path.join(cwd, 'qmtl.config.json'), '[1, 2]');
    expect(() => loadConfig({}, cwd)).toThrow(/qmtl\.config\.json/);
  });
});
