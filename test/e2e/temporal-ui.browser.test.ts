/**
 * Headless Chromium against the real stack (issue #7): a world with a
 * backtested strategy, an apply and a paper order; the Temporal UI's workflow
 * list filtered by `QmtlWorldId` shows the run, the apply and the order; the
 * Gateway's dashboard shows the world, the strategy (stage, weight, equity
 * curve) and the order. The shared dev server of global-setup runs without
 * the Web UI, so this file starts its own with it.
 *
 * QMTL_SCREENSHOTS=1 writes docs/img/temporal-ui-world.png and docs/img/dashboard.png.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../workers/config';
import { freePort, startDevServer, type DevServer } from '../../workers/dev-server';
import { createLogger } from '../../workers/logger';
import { retireWorldSignal } from '../../workflows/world';
import { browserAvailability, launchChromium, writeScreenshots } from '../support/browser';
import { eventually } from '../support/eventually';
import { smaCrossDag } from '../support/run-fixtures';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(300_000);

const WORLD = 'ui-demo';
const APPLY_RUN = 'ui-apply-1';
const META = { backtest: { start: '2025-03-01T00:00:00Z', end: '2025-03-02T00:00:00Z' }, fee_rate: 0.001 };
const SCREENSHOTS = path.resolve(__dirname, '../../docs/img');

const availability = browserAvailability();
if (availability.kind === 'skip') {
  console.warn(`skipping the Temporal UI browser test: ${availability.reason}`);
}
const describeWithBrowser = availability.kind === 'skip' ? describe.skip : describe;

describeWithBrowser('Temporal UI and dashboard in headless Chromium', () => {
  let server: DevServer;
  let home: string;
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let strategyId: string;
  let runId: string;
  let orderId: string;
  const addressBefore = process.env.QMTL_TEST_TEMPORAL_ADDRESS;

  beforeAll(async () => {
    // In CI a missing browser is a failure, not a skip: .ci/run installs it.
    if (availability.kind === 'missing-in-ci') throw new Error(availability.reason);
    home = mkdtempSync(path.join(os.tmpdir(), 'qmtl-ui-'));
    const config = loadConfig(process.env);
    const log = createLogger(process.env.QMTL_TEST_LOG_LEVEL ?? 'warn', 'qmtl-ui-test');
    server = await startDevServer(
      { ...config, home, temporalDevPort: await freePort(), temporalUiPort: await freePort() },
      log,
      { inMemory: true },
    );
    process.env.QMTL_TEST_TEMPORAL_ADDRESS = server.address;
    stack = await bootStack();
    browser = await launchChromium(availability.kind === 'found' ? availability.path : '');
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    if (stack) {
      const world = stack.client.workflow.getHandle(`world:${WORLD}`);
      await world.signal(retireWorldSignal, { reason: 'test over' }).catch(() => undefined);
      await stack.close();
    }
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
    process.env.QMTL_TEST_TEMPORAL_ADDRESS = addressBefore;
  });

  it('runs a backtest, an apply and a paper order in one world', async () => {
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD, name: 'UI demo' })).status).toBe(201);

    const submitted = await stack.api('POST', '/v1/strategies', {
      dag: { nodes: smaCrossDag({ fast: 5, slow: 20, size: 1 }).nodes },
      world_ids: [WORLD],
      meta: META,
    });
    expect(submitted.status).toBe(202);
    strategyId = submitted.body.strategy_id;
    const done = await eventually(
      () => stack.api('GET', `/v1/strategies/${strategyId}`),
      (r) => ['completed', 'failed', 'stopped'].includes(r.body?.status),
      120_000,
    );
    expect(done.body.status).toBe('completed');
    runId = `run:${strategyId}:${WORLD}:backtest:1`;
    const runs = await stack.api('GET', `/v1/strategies/${strategyId}/runs`);
    expect(runs.body.runs.map((r: { run_id: string }) => r.run_id)).toEqual([runId]);

    const applied = await stack.api('POST', `/v1/worlds/${WORLD}/apply`, {
      run_id: APPLY_RUN,
      plan: { activate: [{ strategy_id: strategyId, weight: 0.5 }], deactivate: [] },
      require_acks: false,
    });
    expect(applied.status).toBe(202);
    const completed = await eventually(
      () => stack.api('GET', `/v1/worlds/${WORLD}/apply/${APPLY_RUN}`),
      (r) => r.body?.phase === 'completed',
      60_000,
    );
    expect(completed.body.phase).toBe('completed');

    const placed = await stack.api('POST', '/v1/orders', {
      world_id: WORLD,
      intent_id: 'ui-market-1',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'market',
      qty: '0.01',
      tif: 'GTC',
    });
    expect(placed.status).toBe(202);
    orderId = placed.body.order_id;
    const filled = await eventually(
      () => stack.api('GET', `/v1/orders/${orderId}`),
      (r) => r.body?.status === 'FILLED',
      60_000,
    );
    expect(filled.body).toMatchObject({ status: 'FILLED', filled_qty: '0.01' });
  });

  it("lists the world's run, apply and order in the Temporal UI filtered by QmtlWorldId", async () => {
    const namespace = stack.config.temporalNamespace;
    const query = encodeURIComponent(`QmtlWorldId = '${WORLD}'`);
    const url = `${server.uiUrl}/namespaces/${namespace}/workflows?query=${query}`;
    const wanted = [runId, `apply:${WORLD}:${APPLY_RUN}`, `order:${orderId}`, `world:${WORLD}`];
    // Visibility is eventually consistent: reload until every id is listed.
    const listed = await eventually(
      async () => {
        await page.goto(url);
        await page.getByText(`world:${WORLD}`, { exact: true }).first().waitFor({ timeout: 30_000 });
        const texts = await page.locator('a').allTextContents();
        return wanted.filter((id) => texts.some((t) => t.trim() === id));
      },
      (found) => found.length === wanted.length,
      60_000,
    );
    expect(listed).toEqual(wanted);
    // The filter narrows to this world: its strategy is listed too, nothing else.
    const ids = (await page.locator('a').allTextContents())
      .map((t) => t.trim())
      .filter((t) => /^(run|apply|order|world|strategy):/.test(t));
    expect(ids.sort()).toEqual([...wanted, `strategy:${strategyId}`].sort());
    if (writeScreenshots()) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-world.png') });
    }
  });

  it('shows the world, the strategy and the order on the dashboard after a reader key is pasted', async () => {
    const reader = await stack.api('POST', '/v1/keys', { name: 'dashboard', role: 'reader' });
    expect(reader.status).toBe(201);
    await page.goto(`${stack.url}/`);
    await page.locator('#key').fill(reader.body.key);
    await page.locator('#key-form button[type=submit]').click();

    const world = page.locator(`section[data-world-id="${WORLD}"]`);
    await world.waitFor({ timeout: 30_000 });
    expect(await world.locator('h2').textContent()).toBe(`UI demo ${WORLD}`);
    expect(await world.locator('ul.decisions li').first().textContent()).toBe('decide now: paper (OK)');
    expect(await world.locator('ul.decisions li').nth(2).textContent()).toMatch(
      new RegExp(`^apply ${APPLY_RUN}: completed \\(`),
    );

    const strategy = world.locator(`tr[data-strategy-id="${strategyId}"]`);
    const cells = await strategy.locator('td').allTextContents();
    expect(cells.slice(0, 4)).toEqual([
      `${strategyId.slice(0, 12)}…`,
      'completed',
      'paper', // the operator's apply moved it into the paper stage
      'long 0.5 papershort 0.5 paper',
    ]);
    expect(await strategy.locator('td code').nth(1).textContent()).toBe(runId);
    expect(await strategy.locator('svg polyline').count()).toBe(1);

    // The order list reads visibility; a reload picks up the FILLED status once indexed.
    const order = await eventually(
      async () => {
        await page.locator('#reload').click();
        await page.locator(`tr[data-order-id="${orderId}"]`).waitFor({ timeout: 30_000 });
        return page.locator(`tr[data-order-id="${orderId}"] td`).allTextContents();
      },
      (texts) => texts[1] === 'FILLED',
      30_000,
    );
    expect(order.slice(0, 4)).toEqual([orderId, 'FILLED', 'buy 0.01 BTC/USDT market GTC on sim', 'paper']);

    if (writeScreenshots()) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
    }
  });
});
