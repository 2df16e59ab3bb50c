/**
 * ACCEPTANCE (issue #7): the core loop end to end on the dev server, every
 * step read back through the public API and the event stream. The example
 * SMA crossover (on 1 s sim bars, so a paper bar is a second) is submitted
 * to a fresh world → its hour is backfilled → backtested → evaluated against
 * the world's policy → promoted to paper by an apply run → its paper run
 * places market orders on `sim` → one fills (when its minute closes, the sim
 * matches on minute bars) → the account holds the net of the fills → the
 * world has a risk snapshot; the stream carries the apply's activation
 * events, then the risk snapshot, then the orders.
 */
import Decimal from 'decimal.js';
import { eventually } from '../support/eventually';
import { bootStack, type Stack } from '../support/stack';
import {
  STRATEGY_ID,
  WINDOW_MS,
  backtestRunId,
  freshWorld,
  loopOutcome,
  paperInvariants,
  paperRunId,
  readStream,
  stopStrategy,
  submitBody,
  untilFilled,
} from './core-loop.fixtures';

jest.setTimeout(300_000);

const WORLD = 'core-loop';
const APPLY_PHASES = ['requested', 'freezing', 'awaiting_acks', 'switching', 'unfreezing', 'completed'];

describe('the core loop, end to end', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await bootStack();
    await freshWorld(stack.api, WORLD);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('goes from submit to filled paper orders, positions and a risk snapshot', async () => {
    const submitted = await stack.api('POST', '/v1/strategies', submitBody(WORLD));
    expect(submitted.status).toBe(202);
    expect(submitted.body.strategy_id).toBe(STRATEGY_ID);

    // The paper run has started an order once every earlier step is done; those are read back first.
    const paper = await eventually(
      () => stack.api('GET', `/v1/runs/${encodeURIComponent(paperRunId(WORLD))}`),
      (r) => (r.body?.progress?.orders_started ?? 0) >= 1,
      90_000,
    );
    expect(paper.body).toMatchObject({
      status: 'running',
      mode: 'paper',
      progress: { last_reason: 'ORDER_STARTED' },
    });
    const runs = await stack.api('GET', `/v1/strategies/${STRATEGY_ID}/runs`);
    expect(runs.body.runs.map((r: { run_id: string; status: string }) => [r.run_id, r.status])).toEqual([
      [paperRunId(WORLD), 'running'],
      [backtestRunId(WORLD), 'completed'],
    ]);

    const filledId = await untilFilled(stack.api, WORLD);
    expect(filledId).toBeDefined();
    const filled = await stack.api('GET', `/v1/orders/${filledId}`);
    expect(filled.body).toMatchObject({
      world_id: WORLD,
      strategy_id: STRATEGY_ID,
      venue: 'sim',
      mode: 'paper',
    });
    expect(filled.body.fills.length).toBeGreaterThan(0);

    await stopStrategy(stack.api, WORLD);
    const outcome = await loopOutcome(stack.api, stack.client, WORLD);

    // Backfill: the input's series holds exactly the backtest's hour of 1 s bars.
    expect(outcome.coverage).toEqual({ series: 'ohlcv:sim:BTC/USDT:1s', ranges: [WINDOW_MS] });
    // Backtest over it (the sim's bars are a pure function of time, so these numbers are fixed).
    expect(outcome.backtest).toMatchObject({
      status: 'completed',
      window: { start: WINDOW_MS.start, end: WINDOW_MS.end, interval_ms: 1_000 },
      metrics: { n_trades_total: 98, effective_history_years: 0.00011407711613050422 },
      trades_total: 98,
    });
    // Evaluated against the world's default policy, selected.
    expect(outcome.evaluations).toEqual([[`backtest:${backtestRunId(WORLD)}`, [STRATEGY_ID]]]);
    // Applied to paper, both sides active at full weight, gates open.
    expect(outcome.applyPhases).toEqual(APPLY_PHASES);
    expect(outcome.activation).toEqual([
      [STRATEGY_ID, 'long', true, 1, 'paper', true],
      [STRATEGY_ID, 'short', true, 1, 'paper', true],
    ]);
    const decide = await stack.api(
      'GET',
      `/v1/worlds/${WORLD}/decide?strategy_id=${STRATEGY_ID}&as_of=${new Date().toISOString()}`,
    );
    expect(decide.body).toMatchObject({ effective_mode: 'paper', execution_domain: 'dryrun' });
    // The risk snapshot of the world's weights (version 1, then one more after each paper fill's bar).
    expect(outcome.risk).toMatchObject({
      version: expect.any(Number),
      stage: 'paper',
      snapshot: { weights: { [STRATEGY_ID]: 1 } },
    });
    // Paper orders: one per intent of the run, all settled after the stop, the position is their net fills.
    expect(outcome.paper).toEqual({ status: 'stopped', orders_started: outcome.orders.length });
    expect(outcome.orders.map((o) => o.order_id)).toContain(filledId);
    expect(paperInvariants(outcome, WORLD)).toEqual({
      orders: outcome.paper.orders_started,
      distinctIntents: outcome.paper.orders_started,
      idsFromIntents: true,
      intentsOfRun: true,
      allSettled: true,
      someFilled: true,
      distinctTrades: true,
      position: expect.any(String),
      netFills: new Decimal(outcome.position).toFixed(),
    });

    // The stream, in order: the apply's events, then the risk snapshot, then the filled order's acceptance.
    const events = await readStream(
      stack.url,
      stack.adminKey,
      '?topics=activation,risk_snapshot,order',
      (e) => e.some((x) => x.event === 'order' && x.data.subject === filledId),
    );
    const applyRun = `apply:${WORLD}:`;
    const phases = events.filter((e) => e.event === 'activation' && e.data.subject.startsWith(applyRun));
    // The phases, with one freeze notice per activation entry (long, short) once both are frozen.
    expect(phases.map((e) => e.data.data.phase)).toEqual([
      ...APPLY_PHASES.slice(0, 3),
      'freeze',
      'freeze',
      ...APPLY_PHASES.slice(3),
    ]);
    expect(phases.every((e) => e.data.worldid === WORLD)).toBe(true);
    const risk = events.find((e) => e.event === 'risk_snapshot');
    expect(risk?.data).toMatchObject({ worldid: WORLD, data: { version: 1 } });
    const order = events.find((e) => e.event === 'order' && e.data.subject === filledId);
    expect(order?.data.data).toMatchObject({ client_order_id: filledId, venue: 'sim', account: 'default' });
    const seq = (e: { id: string } | undefined) => Number(e?.id);
    expect(seq(phases[phases.length - 1])).toBeLessThan(seq(risk));
    expect(seq(risk)).toBeLessThan(seq(order));
  });
});
