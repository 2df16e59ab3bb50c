/**
 * Fetch strategies and the SLA policy of the Seamless data provider (SPEC §7):
 * how a read of an input's window treats missing bars, and how long each phase
 * may take. Pure: the activity measures the phases and reads the coverage, this
 * module judges them — the same facts always give the same verdict.
 */
import { z } from 'zod';
import type { BarRange } from './bars';
import { assertInterval, covered, intersect, isAligned, missingBars } from './coverage';

/**
 * `FAIL_FAST`: only what is stored. `AUTO_BACKFILL`: fill the gaps (start or
 * join the window's backfill), then read. `PARTIAL_FILL`: read what is stored
 * now, fill the gaps in the background.
 */
export const FETCH_STRATEGIES = ['FAIL_FAST', 'AUTO_BACKFILL', 'PARTIAL_FILL'] as const;
export const fetchStrategySchema = z.enum(FETCH_STRATEGIES);
export type FetchStrategy = z.infer<typeof fetchStrategySchema>;

/** The phases of a fetch, in the order they run (a backfill phase only when there are gaps to fill). */
export const FETCH_PHASES = ['plan', 'backfill', 'read'] as const;
export type FetchPhase = (typeof FETCH_PHASES)[number];

const deadlineMs = z.number().int().positive();

/** Unknown keys are refused, never ignored (a dropped key is a limit the caller believes is in force). */
export const slaPolicySchema = z.strictObject({
  /** How long each phase may take, ms; a phase that takes longer fails the fetch naming it. */
  phaseDeadlinesMs: z
    .strictObject({
      plan: deadlineMs.optional(),
      backfill: deadlineMs.optional(),
      read: deadlineMs.optional(),
    })
    .optional(),
  /**
   * Least share of the window's bars that must be held (stored or known-empty).
   * Set, it replaces the full coverage FAIL_FAST and AUTO_BACKFILL otherwise
   * demand, so a result above it is returned marked partial.
   */
  minCoverage: z.number().min(0).max(1).optional(),
  /** Most bars the newest held bar may trail the newest closed bar of the window. */
  maxLagBars: z.number().int().min(0).optional(),
});
export type SlaPolicy = z.infer<typeof slaPolicySchema>;

export type FetchFailureCode = 'E_SLA_COVERAGE' | 'E_SLA_LAG' | 'E_SLA_DEADLINE' | 'E_DATA_MISSING';

export type PhaseDurations = Partial<Record<FetchPhase, number>>;

export interface FetchFacts {
  /** Inclusive first and last bar open, aligned to `intervalMs`. */
  window: BarRange;
  /** What is held: stored bars and known-empty stretches (need not be normalised). */
  coverage: readonly BarRange[];
  intervalMs: number;
  /** Wall clock at judgement: which bars of the window have closed (lag). */
  nowMs: number;
  strategy: FetchStrategy;
  sla?: SlaPolicy;
  /** Measured ms of the phases that ran. */
  phaseDurations: PhaseDurations;
}

export interface FetchMeasures {
  /** Held bars of the window ÷ bars of the window. */
  coverageRatio: number;
  /** Closed bars of the window after the newest held one (0 when nothing is due yet). */
  lagBars: number;
}

/** The measures with the counts behind the ratio, for messages. */
interface Counted extends FetchMeasures {
  heldBars: number;
  windowBars: number;
}

export type FetchVerdict =
  | ({ ok: true; partial: boolean } & FetchMeasures)
  | ({ ok: false; code: FetchFailureCode; phase: FetchPhase; detail: string } & Partial<FetchMeasures>);

type FetchFailure = Extract<FetchVerdict, { ok: false }>;

/** The first phase (in run order) that took longer than its deadline, as a failure; undefined when none did. */
export function deadlineVerdict(
  sla: SlaPolicy | undefined,
  durations: PhaseDurations,
): FetchFailure | undefined {
  for (const phase of FETCH_PHASES) {
    const limit = sla?.phaseDeadlinesMs?.[phase];
    const took = durations[phase];
    if (limit !== undefined && took !== undefined && took > limit) {
      return {
        ok: false,
        code: 'E_SLA_DEADLINE',
        phase,
        detail: `phase ${phase} took ${took} ms, over its deadline of ${limit} ms`,
      };
    }
  }
  return undefined;
}

/** Coverage ratio and lag of a window, from what is held. */
export function measureFetch(
  facts: Pick<FetchFacts, 'window' | 'coverage' | 'intervalMs' | 'nowMs'>,
): FetchMeasures {
  const { coverageRatio, lagBars } = count(facts);
  return { coverageRatio, lagBars };
}

function count(facts: Pick<FetchFacts, 'window' | 'coverage' | 'intervalMs' | 'nowMs'>): Counted {
  const { window, coverage, intervalMs, nowMs } = facts;
  assertInterval(intervalMs);
  if (
    !isAligned(window.start, intervalMs) ||
    !isAligned(window.end, intervalMs) ||
    window.start > window.end
  ) {
    throw new RangeError(`window must be an aligned inclusive range, got [${window.start}, ${window.end}]`);
  }
  const windowBars = missingBars(window, intervalMs);
  const heldBars = covered(window, coverage, intervalMs);
  const counts = { heldBars, windowBars, coverageRatio: heldBars / windowBars };
  // The newest bar of the window that has closed by now (open + interval ≤ now).
  const lastDue = Math.min(window.end, Math.floor(nowMs / intervalMs) * intervalMs - intervalMs);
  if (lastDue < window.start) return { ...counts, lagBars: 0 };
  const held = intersect([{ start: window.start, end: lastDue }], coverage, intervalMs);
  const lastHeld = held.length > 0 ? held[held.length - 1]!.end : window.start - intervalMs;
  return { ...counts, lagBars: (lastDue - lastHeld) / intervalMs };
}

/** Reads a ratio as a person would: 0.75, not 0.7500000000000001. */
const ratioText = (ratio: number): string => String(Number(ratio.toPrecision(6)));

/**
 * Checks in the order a caller should hear about them: a phase that ran over
 * (the earliest), then a window the strategy needs whole but is not, then the
 * SLA's coverage floor, then its lag ceiling. Coverage and lag are properties
 * of what the read delivers, so they name phase `read`.
 */
const CHECKS: ReadonlyArray<(facts: FetchFacts, m: Counted) => FetchFailure | undefined> = [
  (facts) => deadlineVerdict(facts.sla, facts.phaseDurations),
  (facts, m) =>
    facts.strategy !== 'PARTIAL_FILL' && facts.sla?.minCoverage === undefined && m.coverageRatio < 1
      ? {
          ok: false,
          code: 'E_DATA_MISSING',
          phase: 'read',
          detail:
            `${m.windowBars - m.heldBars} of ${m.windowBars} bars of the window are neither stored ` +
            `nor known-empty (${facts.strategy} needs the whole window)`,
        }
      : undefined,
  (facts, m) => {
    const floor = facts.sla?.minCoverage;
    return floor !== undefined && m.coverageRatio < floor
      ? {
          ok: false,
          code: 'E_SLA_COVERAGE',
          phase: 'read',
          detail:
            `coverage ${ratioText(m.coverageRatio)} (${m.heldBars} of ${m.windowBars} bars) ` +
            `is below minCoverage ${floor}`,
        }
      : undefined;
  },
  (facts, m) => {
    const ceiling = facts.sla?.maxLagBars;
    return ceiling !== undefined && m.lagBars > ceiling
      ? {
          ok: false,
          code: 'E_SLA_LAG',
          phase: 'read',
          detail: `the newest held bar trails the newest closed bar by ${m.lagBars} bars, over maxLagBars ${ceiling}`,
        }
      : undefined;
  },
];

/** The verdict on a fetch: its measures and whether it is partial, or the first rule it breaks and in which phase. */
export function judgeFetch(facts: FetchFacts): FetchVerdict {
  const counted = count(facts);
  const measures: FetchMeasures = { coverageRatio: counted.coverageRatio, lagBars: counted.lagBars };
  for (const check of CHECKS) {
    const failure = check(facts, counted);
    if (failure) return { ...failure, ...measures };
  }
  return { ok: true, partial: measures.coverageRatio < 1, ...measures };
}
