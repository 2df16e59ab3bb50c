/**
 * The dashboard routes through the real stack: `/` is a public shell that
 * carries no data, `/v1/dashboard` needs a key and renders the worlds from
 * their workflows, escaped. (The browser run is test/e2e/temporal-ui.browser.test.ts.)
 */
import { DASHBOARD_CSP } from '../../api/dashboard/page';
import { bootStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const WORLD = 'dash-desk';
const NAME = '<b>Desk</b> & "co"';

describe('dashboard through the Gateway', () => {
  let stack: Stack;
  const get = (route: string, key?: string) =>
    fetch(`${stack.url}${route}`, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    stack = await bootStack();
    expect((await stack.api('POST', '/v1/worlds', { id: WORLD, name: NAME })).status).toBe(201);
    const write = { strategy_id: 'alpha', side: 'long', active: true, weight: 0.25, effective_mode: 'paper' };
    expect((await stack.api('PUT', `/v1/worlds/${WORLD}/activation`, write)).status).toBe(200);
  });
  afterAll(() => stack.close());

  it('serves the page shell without a key, without data, under a strict CSP', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('<main id="dashboard"></main>');
    expect(html).not.toContain(WORLD);
  });

  it('refuses the data without a key, as problem+json', async () => {
    const refused = await get('/v1/dashboard');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('renders the world with its decision, activation and empty order list, every value escaped', async () => {
    const answer = await get('/v1/dashboard', stack.adminKey);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const html = await answer.text();
    expect(html).toContain(`<section class="world" data-world-id="${WORLD}">`);
    expect(html).toContain(`<h2>&lt;b&gt;Desk&lt;/b&gt; &amp; &quot;co&quot; <small>${WORLD}</small></h2>`);
    expect(html).toContain('<li>decide now: <b>paper</b> (OK)</li>');
    expect(html).toContain(
      '<tr data-strategy-id="alpha">\n<td title="alpha"><code>alpha</code></td>\n<td>—</td>\n<td>backtest</td>\n' +
        '<td><div class="open">long 0.25 paper</div></td>\n<td>—</td>\n</tr>',
    );
    expect(html).toContain('<p class="empty">No orders in this world.</p>');
  });
});
