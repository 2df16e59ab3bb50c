/**
 * What the dashboard shows, as plain data: gathered from Temporal and the
 * store by api/dashboard/gather.ts, turned into HTML by api/dashboard/render.ts.
 * Keeping the two apart lets the renderer be tested without a server.
 */

export interface DashboardView {
  /** Gateway clock when gathered (ISO-8601 UTC). */
  generatedAt: string;
  worlds: WorldPanel[];
}

export interface WorldPanel {
  id: string;
  name: string;
  state: string;
  allowLive: boolean;
  /** The standing decision as `GET /v1/worlds/{id}/decide` answers it now. */
  decision: { mode: string; reason: string };
  /** The newest evaluation run, if any. */
  lastEvaluation?: { id: string; at: string; stage: string; active: string[] };
  /** The current or last apply run. */
  apply?: { runId: string; phase: string; updatedAt: string };
  strategies: StrategyRow[];
  orders: OrderRow[];
}

export interface ActivationCell {
  side: string;
  active: boolean;
  /** Decimal text, as the activation table holds it. */
  weight: string;
  mode: string;
  gateOpen: boolean;
}

export interface StrategyRow {
  strategyId: string;
  /** Lifecycle status from its workflow; undefined for ids the store does not know (activation-only). */
  status?: string;
  /** Promotion stage in this world: backtest / paper / live. */
  stage: string;
  activation: ActivationCell[];
  /** The strategy's newest run in this world. */
  run?: { runId: string; status: string; equitySvg?: string };
}

export interface OrderRow {
  orderId: string;
  status: string;
  symbol: string;
  venue: string;
  mode: string;
  /** The order workflow's static summary ("buy 0.01 BTC/USDT market GTC on sim"). */
  summary: string;
  startedAt: string;
}
