/** Promotion governance (domain/world/promotion.ts): named blockers in a fixed order, and the verdict. */
import { promotionBlockers, promotionVerdict, type PromotionFacts } from '../../domain/world/promotion';
import { DEFAULT_GOVERNANCE } from '../../workflows/world-messages';

const NOW = Date.parse('2026-01-10T00:00:00Z');
const DAY = 86_400_000;
const ready: PromotionFacts = {
  from_stage: 'paper',
  to_stage: 'live',
  governance: { ...DEFAULT_GOVERNANCE, live: 'auto', cooldown_sec: 86_400, max_live_slots: 2 },
  allow_live: true,
  selected: true,
  in_stage_since: new Date(NOW - 2 * DAY).toISOString(),
  now: NOW,
  live_count: 1,
  risk_snapshot: 'fresh',
};

describe('promotionBlockers', () => {
  it('no blocker when every rule holds: the promotion proceeds automatically', () => {
    expect(promotionBlockers(ready)).toEqual([]);
    expect(promotionVerdict([])).toBe('auto');
  });

  it('lists every blocker in the fixed order', () => {
    const blockers = promotionBlockers({
      ...ready,
      from_stage: 'backtest',
      governance: { ...ready.governance, live: 'disabled', max_live_slots: 1 },
      allow_live: false,
      selected: false,
      risk_snapshot: 'missing',
    });
    // From backtest there is no paper cooldown to serve.
    expect(blockers).toEqual([
      'STAGE_SKIPPED',
      'NOT_SELECTED',
      'PROMOTION_DISABLED',
      'LIVE_NOT_ALLOWED',
      'MAX_LIVE_SLOTS',
      'RISK_SNAPSHOT_MISSING',
    ]);
    expect(promotionVerdict(blockers)).toBe('blocked');
  });

  it('cooldown: less than cooldown_sec in paper blocks live, exactly cooldown_sec does not', () => {
    expect(promotionBlockers({ ...ready, in_stage_since: new Date(NOW - DAY + 1).toISOString() })).toEqual([
      'COOLDOWN_ACTIVE',
    ]);
    expect(promotionBlockers({ ...ready, in_stage_since: new Date(NOW - DAY).toISOString() })).toEqual([]);
  });

  it('max live slots: the last free slot may be taken, a full world blocks', () => {
    expect(promotionBlockers({ ...ready, live_count: 1 })).toEqual([]);
    expect(promotionBlockers({ ...ready, live_count: 2 })).toEqual(['MAX_LIVE_SLOTS']);
  });

  it('a stale risk snapshot blocks live unless governance does not require one', () => {
    expect(promotionBlockers({ ...ready, risk_snapshot: 'stale' })).toEqual(['RISK_SNAPSHOT_STALE']);
    const relaxed = { ...ready.governance, risk_snapshot_required: false };
    expect(promotionBlockers({ ...ready, risk_snapshot: 'stale', governance: relaxed })).toEqual([]);
  });

  it('manual approval: waits for an operator until approved', () => {
    const manual = { ...ready, governance: { ...ready.governance, live: 'manual_approval' as const } };
    const blockers = promotionBlockers(manual);
    expect(blockers).toEqual(['APPROVAL_REQUIRED']);
    expect(promotionVerdict(blockers)).toBe('needs_approval');
    expect(promotionBlockers({ ...manual, approved: true })).toEqual([]);
  });

  it('backtest → paper: live-only rules do not apply; paper governance and selection do', () => {
    const toPaper: PromotionFacts = {
      ...ready,
      from_stage: 'backtest',
      to_stage: 'paper',
      allow_live: false,
      live_count: 9,
      risk_snapshot: 'missing',
      in_stage_since: new Date(NOW).toISOString(),
    };
    expect(promotionBlockers(toPaper)).toEqual([]);
    expect(promotionBlockers({ ...toPaper, selected: false })).toEqual(['NOT_SELECTED']);
    expect(promotionBlockers({ ...toPaper, governance: { ...ready.governance, paper: 'disabled' } })).toEqual(
      ['PROMOTION_DISABLED'],
    );
    expect(promotionBlockers({ ...toPaper, from_stage: 'paper' })).toEqual(['STAGE_SKIPPED']);
  });
});
