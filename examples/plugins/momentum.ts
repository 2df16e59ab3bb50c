/**
 * A custom node type (plugin): n-bar momentum, the fractional change of its
 * input over `window` bars, `x[t] / x[t - window] - 1`. Register it with
 * `QMTL_PLUGINS=examples/plugins/momentum.ts`; its code_hash is the sha256 of
 * this file, so editing it makes nodes of the new code new nodes.
 */
import { z } from 'zod';
import type { NodePlugin } from '../../domain/nodes/library';

const params = z.strictObject({ window: z.number().int().min(1).max(100_000) });
type Params = z.infer<typeof params>;

export const momentum: NodePlugin<Params> = {
  nodeType: 'momentum',
  params,
  inputs: 1,
  warmup: (p) => p.window,
  compute([input], p) {
    const x = input ?? [];
    const out = new Float64Array(x.length).fill(NaN);
    for (let t = p.window; t < x.length; t++) {
      const now = x[t];
      const then = x[t - p.window];
      // A missing bar or a zero base has no momentum; NaN is stored as "no value".
      if (now != null && then != null && then !== 0) out[t] = now / then - 1;
    }
    return out;
  },
};

export default momentum;
