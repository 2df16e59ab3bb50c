/**
 * What every benchmark shares: the median of its timed runs, a description of
 * the machine it ran on, and the report written to bench/results/<name>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

export interface ReportOptions {
  /** Format as the repository's prettier check expects, so a fresh result never fails `npm run lint`. */
  prettier?: boolean;
}

/** Writes `{benchmark, date, machine, setup, results}` to bench/results/<benchmark>.json and says so. */
export async function writeReport(
  benchmark: string,
  body: { setup: object; results: unknown },
  options: ReportOptions = {},
): Promise<void> {
  const out = path.join(__dirname, 'results', `${benchmark}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  const report = {
    benchmark,
    date: new Date().toISOString(),
    machine: machineInfo(),
    ...body,
  };
  if (options.prettier) {
    const style = await resolveConfig(out);
    writeFileSync(out, await format(JSON.stringify(report), { ...style, filepath: out }));
  } else {
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  }
  console.log(`written: bench/results/${benchmark}.json`);
}
