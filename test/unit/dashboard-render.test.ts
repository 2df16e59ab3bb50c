/**
 * The dashboard's HTML (api/dashboard/render.ts) and the page shell's
 * Content-Security-Policy: every value escaped, empty states spelled out,
 * the equity SVG the only markup passed through, open orders listed first.
 */
import { createHash } from 'node:crypto';
import { DASHBOARD_CSP, DASHBOARD_PAGE } from '../../api/dashboard/page';
import { orderRowsForDisplay, worldOrderQuery } from '../../api/dashboard/orders';
import { escapeHtml, renderDashboard } from '../../api/dashboard/render';
import type { OrderRow, WorldPanel } from '../../api/dashboard/view';

const AT = '2026-01-02T03:04:05.000Z';
const SID = 'ab'.repeat(32);

const world = (over: Partial<WorldPanel> = {}): WorldPanel => ({
  id: 'crypto',
  name: 'Crypto',
  state: 'ACTIVE',
  allowLive: false,
  decision: { mode: 'compute-only', reason: 'DECISION_MISSING' },
  strategies: [],
  orders: [],
  ...over,
});

const order = (orderId: string, status: string, startedAt: string): OrderRow => ({
  orderId,
  status,
  symbol: 'BTC/USDT',
  venue: 'sim',
  mode: 'paper',
  summary: '',
  startedAt,
});

describe('dashboard renderer', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
  });

  it('says so when there are no worlds', () => {
    expect(renderDashboard({ generatedAt: AT, worlds: [] })).toBe(
      `<p class="generated">As of ${AT}</p><p class="empty">No worlds yet. Create one with <code>POST /v1/worlds</code>.</p>`,
    );
  });

  it('shows empty states of a bare world: no evaluation, no apply, no strategies, no orders', () => {
    const html = renderDashboard({ generatedAt: AT, worlds: [world()] });
    expect(html).toContain('<section class="world" data-world-id="crypto">');
    expect(html).toContain('<h2>Crypto <small>crypto</small></h2>');
    expect(html).toContain('<p class="flags">ACTIVE · no live</p>');
    expect(html).toContain('<li>decide now: <b>compute-only</b> (DECISION_MISSING)</li>');
    expect(html).toContain('<li>no evaluation yet</li><li>no apply yet</li>');
    expect(html).toContain('<p class="empty">No strategies in this world.</p>');
    expect(html).toContain('<p class="empty">No orders in this world.</p>');
  });

  it('escapes every value that reaches the page: names, reasons, phases, summaries', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const html = renderDashboard({
      generatedAt: AT,
      worlds: [
        world({
          name: evil,
          decision: { mode: 'paper', reason: evil },
          apply: { runId: 'r"1', phase: evil, updatedAt: AT },
          strategies: [
            {
              strategyId: evil,
              status: evil,
              stage: evil,
              activation: [{ side: 'long', active: true, weight: evil, mode: 'paper', gateOpen: true }],
            },
          ],
          orders: [{ ...order('o1', evil, AT), summary: evil }],
        }),
      ],
    });
    expect(html).not.toContain('<img');
    // name, reason, phase, strategy id (data attribute and title), status, stage, weight, order status, summary.
    expect(html.split('&lt;img src=x onerror=alert(1)&gt;')).toHaveLength(11);
    expect(html).toContain('apply r&quot;1: <b>&lt;img');
  });

  it('lists a strategy with stage, weight and mode per side, and its run with the equity SVG as markup', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><polyline points="1,2 3,4"/></svg>';
    const html = renderDashboard({
      generatedAt: AT,
      worlds: [
        world({
          strategies: [
            {
              strategyId: SID,
              status: 'completed',
              stage: 'paper',
              activation: [
                { side: 'long', active: true, weight: '0.5', mode: 'paper', gateOpen: true },
                { side: 'short', active: false, weight: '0', mode: 'compute-only', gateOpen: false },
              ],
              run: { runId: `run:${SID}:crypto:backtest:1`, status: 'completed', equitySvg: svg },
            },
          ],
        }),
      ],
    });
    expect(html).toContain(
      `<tr data-strategy-id="${SID}">\n<td title="${SID}"><code>abababababab…</code></td>\n<td>completed</td>\n<td>paper</td>\n` +
        '<td><div class="open">long 0.5 paper</div><div class="closed">short 0 compute-only (inactive)</div></td>',
    );
    expect(html).toContain(
      `<td><div><code>run:${SID}:crypto:backtest:1</code> completed</div><div class="chart">${svg}</div></td>`,
    );
  });

  it('writes an order row with its summary, falling back to symbol and venue', () => {
    const html = renderDashboard({
      generatedAt: AT,
      worlds: [
        world({
          orders: [
            { ...order('qmtl1', 'FILLED', AT), summary: 'buy 0.01 BTC/USDT market GTC on sim' },
            order('qmtl2', 'NEW', AT),
          ],
        }),
      ],
    });
    expect(html).toContain(
      `<tr data-order-id="qmtl1">\n<td><code>qmtl1</code></td><td>FILLED</td><td>buy 0.01 BTC/USDT market GTC on sim</td><td>paper</td><td>${AT}</td>\n</tr>`,
    );
    expect(html).toContain('<td>NEW</td><td>BTC/USDT on sim</td>');
  });
});

describe('dashboard orders', () => {
  it('puts open orders first, newest first within open and finished, and cuts at the limit', () => {
    const rows = [
      order('a', 'FILLED', '2026-01-01T00:00:03Z'),
      order('b', 'NEW', '2026-01-01T00:00:01Z'),
      order('c', 'CANCELED', '2026-01-01T00:00:04Z'),
      order('d', 'PARTIALLY_FILLED', '2026-01-01T00:00:02Z'),
    ];
    expect(orderRowsForDisplay(rows, 3).map((r) => r.orderId)).toEqual(['d', 'b', 'c']);
  });

  it('queries visibility by world and refuses anything that is not a world id', () => {
    expect(worldOrderQuery('crypto-majors')).toBe(
      "WorkflowType='orderWorkflow' AND QmtlWorldId='crypto-majors'",
    );
    expect(() => worldOrderQuery("x' OR 'a'='a")).toThrow(RangeError);
  });
});

describe('dashboard page shell', () => {
  const hashOf = (tag: string): string => {
    const body = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(DASHBOARD_PAGE)![1]!;
    return `'sha256-${createHash('sha256').update(body).digest('base64')}'`;
  };

  it('pins its only script and style by hash and loads nothing else', () => {
    expect(DASHBOARD_CSP).toBe(
      [
        "default-src 'none'",
        `script-src ${hashOf('script')}`,
        `style-src ${hashOf('style')}`,
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    expect(DASHBOARD_PAGE.match(/<script/g)).toHaveLength(1);
    expect(DASHBOARD_PAGE).not.toMatch(/https?:\/\//);
  });
});
