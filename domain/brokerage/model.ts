/**
 * One venue's brokerage model (SPEC §8): fee, fill (with slippage and volume
 * limit), buying power, settlement, shortability and trading hours composed
 * from one validated configuration. The simulated venue, backtests and the
 * cost preview (`POST /v1/brokerage/simulate`) all build their models here,
 * so the three can never price the same fill differently.
 */
import { z } from 'zod';
import { buyingPowerConfigSchema, createBuyingPowerModel, type BuyingPowerModel } from './buying-power';
import { createFeeModel, feeScheduleSchema, type FeeModel } from './fees';
import { createFillModel, fillConfigSchema, type FillModel } from './fills';
import { venueHoursSchema, type VenueHours } from './hours';
import { settlementConfigSchema, type SettlementRule } from './settlement';
import {
  createShortabilityProvider,
  shortabilityConfigSchema,
  type ShortabilityProvider,
} from './shortability';

export const brokerageConfigSchema = z
  .strictObject({
    fee: feeScheduleSchema,
    fill: fillConfigSchema.prefault({}),
    buyingPower: buyingPowerConfigSchema.prefault({ kind: 'cash' }),
    settlement: settlementConfigSchema.prefault({
      days: 0,
      calendar: { weekend: [], holidays: [] },
      timeZone: 'UTC',
    }),
    shortability: shortabilityConfigSchema.prefault({ kind: 'never' }),
    hours: venueHoursSchema.prefault({ kind: 'continuous' }),
  })
  .meta({ id: 'BrokerageConfig' });

export type BrokerageConfigInput = z.input<typeof brokerageConfigSchema>;
export type BrokerageConfig = z.output<typeof brokerageConfigSchema>;

export interface BrokerageModel {
  readonly config: BrokerageConfig;
  readonly fee: FeeModel;
  readonly fill: FillModel;
  readonly buyingPower: BuyingPowerModel;
  readonly settlement: SettlementRule;
  readonly shortability: ShortabilityProvider;
  readonly hours: VenueHours;
}

export function createBrokerageModel(config: BrokerageConfig): BrokerageModel {
  const shortability = createShortabilityProvider(config.shortability);
  return {
    config,
    fee: createFeeModel(config.fee),
    fill: createFillModel(config.fill),
    buyingPower: createBuyingPowerModel(config.buyingPower, shortability),
    settlement: config.settlement,
    shortability,
    hours: config.hours,
  };
}

/** Parses an untrusted configuration; unknown keys anywhere are refused. */
export function parseBrokerageConfig(input: unknown): BrokerageConfig {
  return brokerageConfigSchema.parse(input);
}

/**
 * The simulated crypto venue `sim`: Binance-spot-like 0.1 % maker and taker,
 * 2 bp slippage on every fill, at most 10 % of a bar's volume per bar
 * (larger orders fill over several bars), cash account, T+0, no shorting,
 * always open (DAY orders expire at 00:00 UTC).
 */
export const SIM_BROKERAGE: BrokerageConfig = parseBrokerageConfig({
  fee: { commission: { kind: 'maker_taker', makerRate: '0.001', takerRate: '0.001' } },
  fill: {
    slippage: [{ kind: 'constant', bps: '2' }],
    volumeLimit: { maxVolumeShare: '0.1' },
  },
});
