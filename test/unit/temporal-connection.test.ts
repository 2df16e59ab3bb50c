import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  clientConnectionOptions,
  workerConnectionOptions,
  type TemporalConnectionConfig,
} from '../../workers/temporal-connection';

const base: TemporalConnectionConfig = {
  temporalAddress: undefined,
  temporalNamespace: 'default',
  temporalApiKey: undefined,
  temporalTlsCertPath: undefined,
  temporalTlsKeyPath: undefined,
  temporalDevPort: 7233,
};

describe('Temporal connection options', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'qmtl-tls-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to the local dev server without TLS', () => {
    expect(clientConnectionOptions(base)).toEqual({ address: '127.0.0.1:7233' });
    expect(workerConnectionOptions({ ...base, temporalAddress: 'temporal:7233' })).toEqual({
      address: 'temporal:7233',
    });
  });

  it('reads the mTLS client certificate pair', () => {
    const cert = path.join(dir, 'client.pem');
    const key = path.join(dir, 'client.key');
    writeFileSync(cert, 'CERT');
    writeFileSync(key, 'KEY');
    const options = workerConnectionOptions({ ...base, temporalTlsCertPath: cert, temporalTlsKeyPath: key });
    expect(options.tls).toEqual({ clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') } });
  });

  it('names the variables of an incomplete or unreadable TLS setting', () => {
    expect(() => clientConnectionOptions({ ...base, temporalTlsCertPath: 'cert.pem' })).toThrow(
      'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together',
    );
    const missing = {
      ...base,
      temporalTlsCertPath: path.join(dir, 'nope.pem'),
      temporalTlsKeyPath: path.join(dir, 'k'),
    };
    expect(() => clientConnectionOptions(missing)).toThrow(
      /TEMPORAL_TLS_CERT_PATH: cannot read .*nope\.pem \(ENOENT\)/,
    );
  });

  it('sends an API key over TLS', () => {
    expect(
      clientConnectionOptions({ ...base, temporalAddress: 'ns.acct.tmprl.cloud:7233', temporalApiKey: 'k' }),
    ).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      apiKey: 'k',
      tls: true,
    });
  });
});
