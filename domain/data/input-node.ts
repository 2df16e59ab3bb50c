/**
 * Which bar series an input node reads (SPEC §6, §7): a `StreamInput` node
 * whose params name an OHLCV source. One rule for the Gateway (404 / 422) and
 * the backfill activities, so both refuse the same nodes for the same reason.
 */
import { parseOhlcvSource, type OhlcvSource } from './bars';

/** The parts of a registered node this rule reads. */
export interface InputNodeFields {
  nodeType: string;
  /** Canonical JSON text of the node's params. */
  paramsJson: string;
}

export type SeriesOfNode =
  | {
      ok: true;
      source: OhlcvSource;
      /** The series key in the bar store: the source text. */ seriesId: string;
    }
  | { ok: false; reason: string };

/**
 * Bars belong to the source, not to the node: two nodes reading the same
 * source share one stored series, so one backfill serves both.
 */
export function seriesOfNode(node: InputNodeFields): SeriesOfNode {
  if (node.nodeType !== 'StreamInput') {
    return { ok: false, reason: `node type '${node.nodeType}' reads no bar series (only StreamInput does)` };
  }
  let params: unknown;
  try {
    params = JSON.parse(node.paramsJson);
  } catch {
    return { ok: false, reason: 'node params are not JSON' };
  }
  const text = (params as { source?: unknown } | null)?.source;
  if (typeof text !== 'string') return { ok: false, reason: 'StreamInput params carry no source' };
  const source = parseOhlcvSource(text);
  if (source === undefined) {
    return { ok: false, reason: `source '${text}' is not ohlcv:{exchange}:{symbol}:{timeframe}` };
  }
  return { ok: true, source, seriesId: text };
}
