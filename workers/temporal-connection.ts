/**
 * Connection options for the client (Gateway, CLI, tests) and the worker
 * (NativeConnection), built once from the configuration: address, namespace,
 * mTLS client certificate and API key (Temporal Cloud).
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError, type QmtlConfig } from './config';

export type TemporalConnectionConfig = Pick<
  QmtlConfig,
  | 'temporalAddress'
  | 'temporalNamespace'
  | 'temporalApiKey'
  | 'temporalTlsCertPath'
  | 'temporalTlsKeyPath'
  | 'temporalDevPort'
>;

interface SharedOptions {
  address: string;
  tls?: { clientCertPair: { crt: Buffer; key: Buffer } } | boolean;
  apiKey?: string;
}

/** TEMPORAL_ADDRESS, else the embedded dev server on 127.0.0.1:TEMPORAL_DEV_PORT. */
export function temporalAddress(config: TemporalConnectionConfig): string {
  return config.temporalAddress ?? `127.0.0.1:${config.temporalDevPort}`;
}

function sharedOptions(config: TemporalConnectionConfig, address?: string): SharedOptions {
  const options: SharedOptions = { address: address ?? temporalAddress(config) };
  const { temporalTlsCertPath: certPath, temporalTlsKeyPath: keyPath } = config;
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new ConfigError('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together');
  }
  if (certPath !== undefined && keyPath !== undefined) {
    options.tls = {
      clientCertPair: {
        crt: readPem(certPath, 'TEMPORAL_TLS_CERT_PATH'),
        key: readPem(keyPath, 'TEMPORAL_TLS_KEY_PATH'),
      },
    };
  }
  if (config.temporalApiKey !== undefined) {
    options.apiKey = config.temporalApiKey;
    // API keys travel only over TLS (Temporal Cloud); server-authenticated TLS is enough.
    options.tls ??= true;
  }
  return options;
}

function readPem(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(
      `${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

export function clientConnectionOptions(
  config: TemporalConnectionConfig,
  address?: string,
): ConnectionOptions {
  return sharedOptions(config, address);
}

export function workerConnectionOptions(
  config: TemporalConnectionConfig,
  address?: string,
): NativeConnectionOptions {
  return sharedOptions(config, address);
}

export interface TemporalClient {
  client: Client;
  connection: Connection;
}

/** Connects a client; `address` overrides the configured one (e.g. the dev server just started). */
export async function connectClient(
  config: TemporalConnectionConfig,
  address?: string,
): Promise<TemporalClient> {
  const connection = await Connection.connect(clientConnectionOptions(config, address));
  return { client: new Client({ connection, namespace: config.temporalNamespace }), connection };
}

export function connectWorker(config: TemporalConnectionConfig, address?: string): Promise<NativeConnection> {
  return NativeConnection.connect(workerConnectionOptions(config, address));
}
