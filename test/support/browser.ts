/**
 * Headless Chromium for the browser tests (Debian's `chromium` package driven
 * by playwright-core, which downloads no browser of its own). Found through
 * QMTL_CHROMIUM_PATH, then `chromium` / `chromium-browser` on PATH. Without
 * one the tests skip with a message, except under CI, where `.ci/run`
 * installs it and its absence must fail the run.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { temporalTools } from '../../workers/temporal-binaries';

/**
 * A closed network: nothing may phone home or wait for a network that is not
 * there. playwright adds --headless and a fresh temporary --user-data-dir itself.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.QMTL_CHROMIUM_PATH;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  const tools = temporalTools();
  return tools.findOnPath('chromium', env) ?? tools.findOnPath('chromium-browser', env);
}

export type BrowserAvailability =
  | { kind: 'found'; path: string }
  | { kind: 'skip'; reason: string }
  | { kind: 'missing-in-ci'; reason: string };

export function browserAvailability(env: NodeJS.ProcessEnv = process.env): BrowserAvailability {
  const path = findChromium(env);
  if (path !== undefined) return { kind: 'found', path };
  const reason = 'no Chromium found (set QMTL_CHROMIUM_PATH or install it: apt-get install -y chromium)';
  const inCi = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return inCi ? { kind: 'missing-in-ci', reason } : { kind: 'skip', reason };
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** Screenshots for the README are written only when asked, so test runs leave the tree alone. */
export const writeScreenshots = (): boolean => process.env.QMTL_SCREENSHOTS === '1';
