/** Jest global teardown: stops the dev server that global-setup started (none when an address was preset). */
export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__qmtlTestDevServer;
  globalThis.__qmtlTestDevServer = undefined;
  await server?.stop();
}
