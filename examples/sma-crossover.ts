/**
 * SMA crossover on 1-minute BTC/USDT from the simulated exchange: long while
 * the 10-bar SMA is above the 50-bar SMA, short while below. A module the CLI
 * submits as is: `npm run qmtl -- submit examples/sma-crossover.ts --world crypto-majors`.
 */
import { float, StrategyBuilder } from '../sdk';

export interface SmaCrossoverSettings {
  source: string;
  fast: number;
  slow: number;
  /** Fraction of equity per unit of signal, in (0, 1]. */
  size: number;
}

export const DEFAULTS: SmaCrossoverSettings = {
  source: 'ohlcv:sim:BTC/USDT:1m',
  fast: 10,
  slow: 50,
  size: 1,
};

export function smaCrossover(settings: SmaCrossoverSettings = DEFAULTS): StrategyBuilder {
  const s = new StrategyBuilder({
    name: 'sma-crossover',
    meta: { fast: settings.fast, slow: settings.slow },
  });
  // 200 bars of history: the slow SMA's warm-up with room to spare.
  const price = s.input(settings.source, { period: 200 });
  const fast = s.node('sma', { window: settings.fast }, [price], { name: `sma ${settings.fast}` });
  const slow = s.node('sma', { window: settings.slow }, [price], { name: `sma ${settings.slow}` });
  // `level`: +1 while fast > slow, -1 while below (the events form would trade only on the crossing bar).
  const side = s.node('crossover', { mode: 'level' }, [fast, slow]);
  // float(): a Python author writes size=1.0, a float; a bare 1 would hash as the integer 1 (another node id).
  s.node('target_position', { size: float(settings.size) }, [side]);
  return s;
}

export const strategy = smaCrossover();
export const built = strategy.build();
export const { dag, nodeIds, crc32 } = built;
