/**
 * Promotion governance (SPEC §9), pure: why a strategy may not move up a
 * stage (backtest → paper → live). Every blocker is a named reason, listed in
 * a fixed order so two readers of the same facts print the same list.
 */
import type { Governance } from '../../workflows/world-messages';
import { STAGES, type Stage } from './activation';

export const PROMOTION_BLOCKERS = [
  'STAGE_SKIPPED',
  'NOT_SELECTED',
  'PROMOTION_DISABLED',
  'LIVE_NOT_ALLOWED',
  'COOLDOWN_ACTIVE',
  'MAX_LIVE_SLOTS',
  'RISK_SNAPSHOT_MISSING',
  'RISK_SNAPSHOT_STALE',
  'APPROVAL_REQUIRED',
] as const;
export type PromotionBlocker = (typeof PROMOTION_BLOCKERS)[number];

export interface PromotionFacts {
  from_stage: Stage;
  to_stage: Exclude<Stage, 'backtest'>;
  governance: Governance;
  allow_live: boolean;
  /** The last evaluation selected the strategy. */
  selected: boolean;
  /** When the strategy entered `from_stage` (ISO-8601). */
  in_stage_since: string;
  /** Epoch ms. */
  now: number;
  /** Strategies active in live mode now (not counting this one). */
  live_count: number;
  risk_snapshot: 'fresh' | 'stale' | 'missing';
  /** An operator approved this promotion. */
  approved?: boolean;
}

export function promotionBlockers(facts: PromotionFacts): PromotionBlocker[] {
  const { governance, to_stage: to } = facts;
  const live = to === 'live';
  const blockers: PromotionBlocker[] = [];
  // One step up at a time; anything else (skip, same stage, down) is not a promotion.
  if (STAGES.indexOf(to) !== STAGES.indexOf(facts.from_stage) + 1) blockers.push('STAGE_SKIPPED');
  if (!facts.selected) blockers.push('NOT_SELECTED');
  if (governance[to] === 'disabled') blockers.push('PROMOTION_DISABLED');
  if (live && !facts.allow_live) blockers.push('LIVE_NOT_ALLOWED');
  if (live && cooling(facts)) blockers.push('COOLDOWN_ACTIVE');
  if (live && facts.live_count >= governance.max_live_slots) blockers.push('MAX_LIVE_SLOTS');
  if (live && governance.risk_snapshot_required && facts.risk_snapshot !== 'fresh')
    blockers.push(facts.risk_snapshot === 'missing' ? 'RISK_SNAPSHOT_MISSING' : 'RISK_SNAPSHOT_STALE');
  if (governance[to] === 'manual_approval' && facts.approved !== true) blockers.push('APPROVAL_REQUIRED');
  return blockers;
}

/** In paper for less than the cooldown; an unreadable `since` counts as just arrived (default-safe). */
function cooling(facts: PromotionFacts): boolean {
  if (facts.from_stage !== 'paper') return false;
  const since = Date.parse(facts.in_stage_since);
  return !Number.isFinite(since) || facts.now - since < facts.governance.cooldown_sec * 1000;
}

/**
 * What the blockers leave: `auto` goes ahead now, `needs_approval` waits only
 * for an operator, `blocked` cannot proceed whatever an operator says.
 */
export function promotionVerdict(blockers: readonly string[]): 'auto' | 'needs_approval' | 'blocked' {
  if (blockers.length === 0) return 'auto';
  return blockers.every((b) => b === 'APPROVAL_REQUIRED') ? 'needs_approval' : 'blocked';
}
