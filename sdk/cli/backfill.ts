/**
 * `qmtl backfill <nodeId> --from --to`: starts a backfill through the Gateway
 * and follows it with a progress bar until it ends. Interrupting the CLI stops
 * watching only; the backfill is a workflow and carries on.
 */
import { SingleBar } from 'cli-progress';
import type { GatewayClient } from './api';
import type { CliIo } from './io';
import { formatInstant, instantArg } from './time';

/** GET /v1/data/backfills/{id}, as far as the CLI reads it. */
export interface BackfillAnswer {
  backfill_id: string;
  status: 'running' | 'completed' | 'failed' | 'canceled';
  phase: string;
  start: number;
  end: number;
  series?: string;
  progress: {
    done_bars: number;
    total_bars: number;
    chunks_done: number;
    chunks_total: number;
    bars_written: number;
    empty_bars: number;
  };
  error?: string;
}

export interface BackfillOptions {
  from: string;
  to: string;
  /** Start and print the id without following it. */
  detach?: boolean;
  /** Poll period in ms. */
  interval: number;
}

const EXIT_CODE: Record<BackfillAnswer['status'], number> = {
  completed: 0,
  running: 0,
  failed: 1,
  canceled: 2,
};

export async function backfillCommand(
  api: GatewayClient,
  io: CliIo,
  nodeId: string,
  options: BackfillOptions,
): Promise<number> {
  const { backfill_id: id } = await api.json<{ backfill_id: string }>('POST', '/v1/data/backfills', {
    node_id: nodeId,
    start: instantArg(options.from),
    end: instantArg(options.to),
  });
  io.err(`backfill ${id}\n`);
  if (options.detach) {
    io.out(`${id}\n`);
    return 0;
  }
  const final = await follow(api, io, id, options.interval);
  io.out(`${summary(final)}\n`);
  return EXIT_CODE[final.status];
}

/** Polls until the backfill ends, drawing the bar on a terminal (and nothing when piped). */
export async function follow(
  api: GatewayClient,
  io: CliIo,
  id: string,
  intervalMs: number,
): Promise<BackfillAnswer> {
  const bar = new SingleBar({
    stream: io.errStream,
    format: '{phase} |{bar}| {percentage}% | {value}/{total} bars | chunks {chunks} | ETA {eta_formatted}',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    etaBuffer: 20,
  });
  let started = false;
  const stop = io.onInterrupt(() => {
    if (started) bar.stop();
    io.err(`\nstopped watching; the backfill goes on. Follow it again: qmtl data status ${id}\n`);
  });
  try {
    for (;;) {
      const state = await api.json<BackfillAnswer>('GET', `/v1/data/backfills/${id}`);
      const { done_bars, total_bars, chunks_done, chunks_total } = state.progress;
      const payload = { phase: state.phase.padEnd(9), chunks: `${chunks_done}/${chunks_total}` };
      if (!started && state.phase !== 'planning') {
        bar.start(Math.max(total_bars, 1), done_bars, payload);
        started = true;
      } else if (started) {
        bar.setTotal(Math.max(total_bars, 1));
        bar.update(total_bars === 0 ? 1 : done_bars, payload);
      }
      if (state.status !== 'running') return state;
      await io.sleep(intervalMs);
    }
  } finally {
    if (started) bar.stop();
    stop();
  }
}

export function summary(state: BackfillAnswer): string {
  const p = state.progress;
  const window = `${state.series ?? ''} ${formatInstant(state.start)} → ${formatInstant(state.end)}`.trim();
  if (state.status === 'completed' && p.total_bars === 0)
    return `${state.status}: ${window} was already covered`;
  const counts = `${p.done_bars}/${p.total_bars} bars, ${p.bars_written} written, ${p.empty_bars} known-empty`;
  return `${state.status}: ${window} (${counts})${state.error ? `: ${state.error}` : ''}`;
}
