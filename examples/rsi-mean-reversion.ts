/**
 * RSI band strategy on 1-minute BTC/USDT from the simulated exchange: RSI(14)
 * against the 30 / 70 bands, holding the last band's signal in between, long
 * only. It shares its input node with examples/sma-crossover.ts (same source
 * and period, so the same node id): a dry run after that strategy shows the
 * input as reused.
 *
 * `direction: 'reversion'` makes threshold_signal +1 below `lower`
 * (oversold → long) and −1 above `upper` (overbought → flat, long only).
 */
import { StrategyBuilder } from '../sdk';

export interface RsiBandSettings {
  source: string;
  window: number;
  lower: number;
  upper: number;
  size: number;
}

export const DEFAULTS: RsiBandSettings = {
  source: 'ohlcv:sim:BTC/USDT:1m',
  window: 14,
  lower: 30,
  upper: 70,
  size: 0.5,
};

export function rsiMeanReversion(settings: RsiBandSettings = DEFAULTS): StrategyBuilder {
  const s = new StrategyBuilder({ name: 'rsi-mean-reversion', meta: { window: settings.window } });
  const price = s.input(settings.source, { period: 200 });
  const rsi = s.node('rsi', { window: settings.window }, [price], { name: `rsi ${settings.window}` });
  const band = s.node(
    'threshold_signal',
    {
      lower: settings.lower,
      upper: settings.upper,
      hold: true,
      direction: 'reversion',
    },
    [rsi],
  );
  s.node('target_position', { size: settings.size, long_only: true }, [band]);
  return s;
}

export const strategy = rsiMeanReversion();
export const built = strategy.build();
export const { dag, nodeIds, crc32 } = built;
