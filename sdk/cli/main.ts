#!/usr/bin/env node
/**
 * The `qmtl` command line: a thin client of the Gateway's HTTP API. The target
 * is read once here — QMTL_URL (default http://127.0.0.1:8080) and
 * QMTL_API_KEY (default: the key `npm start` wrote to $QMTL_HOME/admin.key) —
 * and passed to every command.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiProblem, GatewayClient, type CliTarget } from './api';
import { backfillCommand } from './backfill';
import { backfillActionCommand, coverageCommand, exportCommand, statusCommand } from './data';
import { demoCommand } from './demo';
import { processIo, type CliIo } from './io';
import { registerStrategyCommands } from './strategies';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** The Gateway and key from an environment map; the key file is read only when no key is given. */
export function cliTarget(env: NodeJS.ProcessEnv, cwd = process.cwd()): CliTarget {
  const url = env.QMTL_URL?.trim() || DEFAULT_URL;
  const given = env.QMTL_API_KEY?.trim();
  if (given) return { url, apiKey: given };
  const keyFile = path.resolve(cwd, env.QMTL_HOME?.trim() || '.qmtl', 'admin.key');
  if (!existsSync(keyFile)) {
    throw new Error(`no API key: set QMTL_API_KEY, or run where ${path.relative(cwd, keyFile)} exists`);
  }
  return { url, apiKey: readFileSync(keyFile, 'utf8').trim() };
}

const positiveInt = (text: string): number => {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('must be a positive integer');
  return value;
};

/**
 * The program over a target and an io; `run` resolves to the exit code. Each
 * command sets `exitCode` through the action so tests can run the CLI in process.
 */
export function buildProgram(
  target: () => CliTarget,
  io: CliIo,
): { program: Command; exitCode: () => number } {
  let exitCode = 0;
  const api = () => new GatewayClient(target());
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      exitCode = await fn(...args);
    };
  const pollOption = new Option('--interval <ms>', 'poll period').argParser(positiveInt).default(500);

  const program = new Command('qmtl')
    .description('QMTL on Temporal: command line for the Gateway (QMTL_URL, QMTL_API_KEY)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();

  program
    .command('backfill <nodeId>')
    .description('fill an input node over [from, to) and follow it with a progress bar')
    .requiredOption('--from <time>', 'first bar open: ISO-8601 or epoch ms')
    .requiredOption('--to <time>', 'end, exclusive: ISO-8601 or epoch ms')
    .option('--detach', 'start it and print its id without following it')
    .addOption(pollOption)
    .action(act((nodeId: string, options) => backfillCommand(api(), io, nodeId, options)));

  const data = program.command('data').description("a node's stored bars and its backfills");
  data
    .command('coverage <nodeId>')
    .description('ranges of stored bars (and ranges the venue has none for)')
    .option('--json', 'print the API answer as JSON')
    .action(act((nodeId: string, options) => coverageCommand(api(), io, nodeId, options)));
  data
    .command('export <nodeId>')
    .description('write stored bars of [from, to) as CSV or JSON')
    .requiredOption('--from <time>', 'ISO-8601 or epoch ms')
    .requiredOption('--to <time>', 'exclusive; ISO-8601 or epoch ms')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action(act((nodeId: string, options) => exportCommand(api(), io, nodeId, options)));
  data
    .command('status <backfillId>')
    .description("a backfill's status and progress")
    .option('--watch', 'follow it with a progress bar until it ends')
    .addOption(pollOption)
    .action(act((id: string, options) => statusCommand(api(), io, id, options)));
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    data
      .command(`${action} <backfillId>`)
      .description(`${action} a running backfill`)
      .option('--reason <text>', 'recorded with the request')
      .action(
        act((id: string, options: { reason?: string }) =>
          backfillActionCommand(api(), io, action, id, options.reason),
        ),
      );
  }
  registerStrategyCommands(program, api, io, act);
  program
    .command('demo')
    .description('seed the world `demo` with a policy and the two example strategies (idempotent)')
    .option('--ui <url>', 'Temporal UI to link to', 'http://127.0.0.1:8233')
    .option('--namespace <name>', 'Temporal namespace to link to', 'default')
    .option('--json', 'print what was created as JSON')
    .action(act((options) => demoCommand(api(), io, target().url, options)));
  return { program, exitCode: () => exitCode };
}

/** Parses argv, runs the command, and maps failures to a message and exit code 1. */
export async function runCli(argv: string[], target: () => CliTarget, io: CliIo): Promise<number> {
  const { program, exitCode } = buildProgram(target, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode();
  } catch (err) {
    const code = (err as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.'))
      return (err as { exitCode: number }).exitCode;
    io.err(`qmtl: ${err instanceof ApiProblem ? err.describe() : (err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  const env = process.env;
  void runCli(process.argv.slice(2), () => cliTarget(env), processIo()).then((code) => process.exit(code));
}
