/**
 * Runs the Gateway app on an HTTP server. `close()` stops accepting, ends
 * idle keep-alive sockets at once and cuts busy ones after a grace period,
 * so Ctrl-C and test teardown never hang on an open connection.
 */
import { createServer } from 'node:http';
import type express from 'express';
import type { AddressInfo } from 'node:net';
import { createApp, type GatewayDeps } from './app';

const CLOSE_GRACE_MS = 5000;

export interface RunningGateway {
  url: string;
  port: number;
  app: express.Express;
  close(): Promise<void>;
}

export async function startGateway(deps: GatewayDeps): Promise<RunningGateway> {
  const app = createApp(deps);
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.config.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;
  deps.log.info({ url }, 'gateway listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      force.unref();
      server.close((err) => {
        clearTimeout(force);
        if (err) reject(err);
        else resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, port, app, close };
}
