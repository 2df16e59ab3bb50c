/**
 * How a strategy's paper and live runs trade, as its author asks in
 * `meta.paper` at submission (SPEC §4): venue and account, the order style,
 * how often orders poll, bars per workflow run, risk limits, and whether a
 * stop leaves working orders alone. Checked at intake, so a run never fails
 * on settings nobody could have meant; every field has a default.
 */
import { z } from 'zod';
import { riskLimitsSchema } from '../execution/pipeline';

/** Basis points: 10 000 is 100 %. A passive limit further than that from the close would never fill. */
const MAX_OFFSET_BPS = 10_000;
/** A negative offset crosses the close (a marketable limit: a price cap); at most 10 % through it. */
const MIN_OFFSET_BPS = -1_000;

export const paperOrderStyleSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('market') }),
  z.strictObject({
    type: z.literal('limit'),
    offset_bps: z.number().min(MIN_OFFSET_BPS).max(MAX_OFFSET_BPS),
  }),
]);

export const paperSettingsSchema = z
  .strictObject({
    venue: z.string().min(1).max(64).optional(),
    account: z.string().min(1).max(64).optional(),
    bars_per_run: z.number().int().min(1).max(10_000).optional(),
    leave_orders_open: z.boolean().optional(),
    order: paperOrderStyleSchema.optional(),
    order_poll_ms: z.number().int().min(100).max(3_600_000).optional(),
    risk_limits: riskLimitsSchema.optional(),
  })
  .meta({ id: 'PaperSettings', description: 'How paper and live runs of the strategy trade (all optional)' });

export type PaperSettingsWire = z.infer<typeof paperSettingsSchema>;
