/**
 * Weights of a promotion's apply plan, pure. A world's weights are fractions
 * of its capital, so the active entries of a side never sum above 1: the
 * newcomer takes its allocated fraction (else an equal share of the room with
 * the strategies already trading in the same mode), and those incumbents shrink
 * pro rata only when the room is short. Strategies in another mode (live
 * while promoting to paper) keep their weight: an apply in paper mode must not
 * touch them. Weights are rounded down to 6 decimals so the sum stays ≤ 1.
 */
import Decimal from 'decimal.js';
import type { ActivationEntry, ActivationMode } from './activation';

export interface PlanWeight {
  strategy_id: string;
  weight: number;
}

const down6 = (d: Decimal) => d.toDecimalPlaces(6, Decimal.ROUND_DOWN);

/** A strategy's weight: its largest active side. */
function activeWeights(entries: readonly ActivationEntry[], mode?: ActivationMode): Map<string, Decimal> {
  const weights = new Map<string, Decimal>();
  for (const e of entries) {
    if (!e.active || (mode !== undefined && e.effective_mode !== mode)) continue;
    const w = new Decimal(e.weight);
    if (w.gt(weights.get(e.strategy_id) ?? -1)) weights.set(e.strategy_id, w);
  }
  return weights;
}

export function promotionPlanWeights(input: {
  entries: readonly ActivationEntry[];
  strategy_id: string;
  mode: 'paper' | 'live';
  /** The strategy's fraction in the world's latest allocation, when it has one. */
  allocated?: string;
}): PlanWeight[] {
  const sameMode = activeWeights(input.entries, input.mode);
  sameMode.delete(input.strategy_id);
  const otherMode = activeWeights(input.entries);
  for (const id of [...sameMode.keys(), input.strategy_id]) otherMode.delete(id);
  const otherSum = [...otherMode.values()].reduce((a, b) => a.plus(b), new Decimal(0));
  const room = Decimal.max(0, new Decimal(1).minus(otherSum));

  const wanted =
    input.allocated !== undefined && new Decimal(input.allocated).gt(0)
      ? Decimal.min(input.allocated, 1)
      : room.div(sameMode.size + 1);
  const weight = down6(Decimal.min(wanted, room));
  const incumbentsRoom = room.minus(weight);
  const incumbentsSum = [...sameMode.values()].reduce((a, b) => a.plus(b), new Decimal(0));

  const plan: PlanWeight[] = [{ strategy_id: input.strategy_id, weight: weight.toNumber() }];
  if (incumbentsSum.lte(incumbentsRoom)) return plan;
  const scale = incumbentsRoom.div(incumbentsSum);
  for (const [id, w] of [...sameMode.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    plan.push({ strategy_id: id, weight: down6(w.times(scale)).toNumber() });
  return plan;
}
