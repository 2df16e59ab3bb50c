/**
 * Fetch strategies and SLA verdicts (SPEC §7) with exact numbers: a two-day
 * 1-minute window is 2,880 bars; a day and a half of it is 2,160 (ratio 0.75)
 * and leaves 720 bars of lag at the tail.
 */
import {
  deadlineVerdict,
  fetchStrategySchema,
  judgeFetch,
  measureFetch,
  slaPolicySchema,
  type FetchFacts,
} from '../../domain/data/fetch-policy';

const MIN = 60_000;
const DAY = 86_400_000;
const D0 = Date.UTC(2025, 2, 1);
const WINDOW = { start: D0, end: D0 + 2 * DAY - MIN };
const LATER = Date.UTC(2026, 0, 1);
const DAY_AND_A_HALF = [{ start: D0, end: D0 + 1.5 * DAY - MIN }];

function facts(overrides: Partial<FetchFacts>): FetchFacts {
  return {
    window: WINDOW,
    coverage: DAY_AND_A_HALF,
    intervalMs: MIN,
    nowMs: LATER,
    strategy: 'PARTIAL_FILL',
    phaseDurations: { plan: 3, read: 40 },
    ...overrides,
  };
}

describe('measureFetch', () => {
  it('counts 2,160 of 2,880 bars as 0.75 and the 720 missing tail bars as lag', () => {
    expect(measureFetch(facts({}))).toEqual({ coverageRatio: 0.75, lagBars: 720 });
  });

  it('counts known-empty stretches as held', () => {
    const coverage = [...DAY_AND_A_HALF, { start: D0 + 1.5 * DAY, end: WINDOW.end }];
    expect(measureFetch(facts({ coverage }))).toEqual({ coverageRatio: 1, lagBars: 0 });
  });

  it('measures lag from the newest closed bar when the window reaches now', () => {
    // now = day 1 00:00:30 → the newest closed bar opened at day 0 23:59; held through 23:49 → 10 bars behind.
    const nowMs = D0 + DAY + 30_000;
    const coverage = [{ start: D0, end: D0 + DAY - 11 * MIN }];
    expect(measureFetch(facts({ nowMs, coverage }))).toEqual({ coverageRatio: 1430 / 2880, lagBars: 10 });
  });

  it('has no lag for a hole in the middle when the tail is held, and full lag when nothing is', () => {
    const holed = [
      { start: D0, end: D0 + 10 * MIN },
      { start: D0 + DAY, end: WINDOW.end },
    ];
    expect(measureFetch(facts({ coverage: holed }))).toEqual({ coverageRatio: 1451 / 2880, lagBars: 0 });
    expect(measureFetch(facts({ coverage: [] }))).toEqual({ coverageRatio: 0, lagBars: 2880 });
  });

  it('has no lag before the window has a closed bar', () => {
    expect(measureFetch(facts({ coverage: [], nowMs: D0 + 30_000 }))).toEqual({
      coverageRatio: 0,
      lagBars: 0,
    });
  });

  it('refuses a window off the grid', () => {
    expect(() => measureFetch(facts({ window: { start: D0 + 1, end: WINDOW.end } }))).toThrow(RangeError);
  });
});

describe('judgeFetch', () => {
  it('fails a FAIL_FAST read of a three-quarter window as E_DATA_MISSING in phase read', () => {
    expect(judgeFetch(facts({ strategy: 'FAIL_FAST' }))).toEqual({
      ok: false,
      code: 'E_DATA_MISSING',
      phase: 'read',
      detail:
        '720 of 2880 bars of the window are neither stored nor known-empty (FAIL_FAST needs the whole window)',
      coverageRatio: 0.75,
      lagBars: 720,
    });
    expect(judgeFetch(facts({ strategy: 'AUTO_BACKFILL' }))).toMatchObject({
      ok: false,
      code: 'E_DATA_MISSING',
    });
  });

  it('fails minCoverage 0.8 at ratio 0.75 as E_SLA_COVERAGE naming phase read', () => {
    expect(judgeFetch(facts({ sla: { minCoverage: 0.8 } }))).toEqual({
      ok: false,
      code: 'E_SLA_COVERAGE',
      phase: 'read',
      detail: 'coverage 0.75 (2160 of 2880 bars) is below minCoverage 0.8',
      coverageRatio: 0.75,
      lagBars: 720,
    });
  });

  it('returns a PARTIAL_FILL read above its floor marked partial', () => {
    expect(judgeFetch(facts({ sla: { minCoverage: 0.75 } }))).toEqual({
      ok: true,
      partial: true,
      coverageRatio: 0.75,
      lagBars: 720,
    });
    expect(judgeFetch(facts({}))).toEqual({ ok: true, partial: true, coverageRatio: 0.75, lagBars: 720 });
  });

  it('lets an explicit minCoverage replace the whole-window demand of FAIL_FAST', () => {
    expect(judgeFetch(facts({ strategy: 'FAIL_FAST', sla: { minCoverage: 0.7 } }))).toEqual({
      ok: true,
      partial: true,
      coverageRatio: 0.75,
      lagBars: 720,
    });
  });

  it('returns a whole window as not partial', () => {
    expect(judgeFetch(facts({ strategy: 'AUTO_BACKFILL', coverage: [WINDOW] }))).toEqual({
      ok: true,
      partial: false,
      coverageRatio: 1,
      lagBars: 0,
    });
  });

  it('fails lag over maxLagBars as E_SLA_LAG in phase read, and passes at the limit', () => {
    const nowMs = D0 + DAY + 30_000;
    const coverage = [{ start: D0, end: D0 + DAY - 11 * MIN }];
    expect(judgeFetch(facts({ nowMs, coverage, sla: { maxLagBars: 9 } }))).toMatchObject({
      ok: false,
      code: 'E_SLA_LAG',
      phase: 'read',
      detail: 'the newest held bar trails the newest closed bar by 10 bars, over maxLagBars 9',
    });
    expect(judgeFetch(facts({ nowMs, coverage, sla: { maxLagBars: 10 } }))).toMatchObject({
      ok: true,
      lagBars: 10,
    });
  });

  it('names the earliest phase that ran over, before any coverage rule', () => {
    const verdict = judgeFetch(
      facts({
        strategy: 'FAIL_FAST',
        phaseDurations: { plan: 5, backfill: 1200, read: 9000 },
        sla: { phaseDeadlinesMs: { backfill: 1000, read: 50 }, minCoverage: 0.9 },
      }),
    );
    expect(verdict).toMatchObject({
      ok: false,
      code: 'E_SLA_DEADLINE',
      phase: 'backfill',
      detail: 'phase backfill took 1200 ms, over its deadline of 1000 ms',
    });
  });

  it('passes a phase that takes exactly its deadline and ignores deadlines of phases that did not run', () => {
    const sla = { phaseDeadlinesMs: { plan: 5, backfill: 1 } };
    expect(deadlineVerdict(sla, { plan: 5, read: 10_000 })).toBeUndefined();
    expect(deadlineVerdict(sla, { plan: 6 })).toMatchObject({ code: 'E_SLA_DEADLINE', phase: 'plan' });
  });
});

describe('schemas', () => {
  it('parses a full SLA policy', () => {
    const sla = {
      phaseDeadlinesMs: { plan: 1000, backfill: 60_000, read: 5000 },
      minCoverage: 0.8,
      maxLagBars: 2,
    };
    expect(slaPolicySchema.parse(sla)).toEqual(sla);
    expect(slaPolicySchema.parse({})).toEqual({});
  });

  it.each([
    ['an unknown key', { minCoverge: 0.8 }],
    ['an unknown phase', { phaseDeadlinesMs: { compute: 10 } }],
    ['coverage above 1', { minCoverage: 1.2 }],
    ['negative coverage', { minCoverage: -0.1 }],
    ['fractional lag', { maxLagBars: 1.5 }],
    ['negative lag', { maxLagBars: -1 }],
    ['a zero deadline', { phaseDeadlinesMs: { read: 0 } }],
  ])('refuses %s', (_name, sla) => {
    expect(slaPolicySchema.safeParse(sla).success).toBe(false);
  });

  it('knows the three strategies and nothing else', () => {
    expect(fetchStrategySchema.options).toEqual(['FAIL_FAST', 'AUTO_BACKFILL', 'PARTIAL_FILL']);
    expect(fetchStrategySchema.safeParse('BEST_EFFORT').success).toBe(false);
  });
});
