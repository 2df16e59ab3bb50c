/**
 * DAG run identity (SPEC §4): `run:{strategyId}:{worldId}:{mode}:{n}`, the
 * workflow id of one run and the key of its record. n counts a strategy's
 * runs in one world and mode from 1. The id is readable and carries no
 * secret, so the API takes it verbatim (URL-encoded) as `/v1/runs/{runId}`.
 */
import { WORLD_ID_PATTERN } from '../world/world';
import type { ExecutionDomain } from '../dag/compute-key';

export const RUN_MODES = ['backtest', 'paper', 'live'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** Which execution domain a run's outputs belong to: the compute-key field that keeps domains apart. */
export const RUN_MODE_DOMAIN: Readonly<Record<RunMode, ExecutionDomain>> = {
  backtest: 'backtest',
  paper: 'dryrun',
  live: 'live',
};

export interface RunRef {
  strategyId: string;
  worldId: string;
  mode: RunMode;
  n: number;
}

const WORLD = WORLD_ID_PATTERN.source.replace(/^\^|\$$/g, '');
export const RUN_ID_PATTERN = new RegExp(
  `^run:([0-9a-f]{64}):(${WORLD}):(${RUN_MODES.join('|')}):([1-9][0-9]{0,8})$`,
);

export function runIdOf(ref: RunRef): string {
  const id = `run:${ref.strategyId}:${ref.worldId}:${ref.mode}:${ref.n}`;
  if (!RUN_ID_PATTERN.test(id)) throw new RangeError(`not a valid run id: ${id}`);
  return id;
}

export function parseRunId(text: string): RunRef | undefined {
  const match = RUN_ID_PATTERN.exec(text);
  if (!match) return undefined;
  const [, strategyId, worldId, mode, n] = match;
  return { strategyId: strategyId!, worldId: worldId!, mode: mode as RunMode, n: Number(n) };
}
