/**
 * The dashboard's body as an HTML fragment, pure: every value from a world,
 * strategy or order passes through `escapeHtml`; the only markup not built
 * here is the equity SVG, which api/equity-chart.ts builds from numbers and
 * an escaped title. The page shell (api/dashboard/page.ts) inserts it.
 */
import type { ActivationCell, DashboardView, OrderRow, StrategyRow, WorldPanel } from './view';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Tagged template: interpolated values are escaped unless wrapped in `raw()`. */
class Raw {
  constructor(readonly html: string) {}
}
const raw = (html: string): Raw => new Raw(html);
const join = (parts: readonly Raw[]): Raw => raw(parts.map((p) => p.html).join(''));

function markup(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += (value instanceof Raw ? value.html : escapeHtml(value)) + strings[i + 1]!;
  });
  return raw(out);
}

export function renderDashboard(view: DashboardView): string {
  const worlds =
    view.worlds.length === 0
      ? markup`<p class="empty">No worlds yet. Create one with <code>POST /v1/worlds</code>.</p>`
      : join(view.worlds.map(worldSection));
  return markup`<p class="generated">As of ${view.generatedAt}</p>${worlds}`.html;
}

function worldSection(world: WorldPanel): Raw {
  const flags = [world.state, world.allowLive ? 'live allowed' : 'no live'].join(' · ');
  return markup`<section class="world" data-world-id="${world.id}">
<h2>${world.name} <small>${world.id}</small></h2>
<p class="flags">${flags}</p>
<h3>Last decisions</h3>
<ul class="decisions">
<li>decide now: <b>${world.decision.mode}</b> (${world.decision.reason})</li>
${evaluationItem(world)}${applyItem(world)}
</ul>
<h3>Strategies</h3>
${strategyTable(world.strategies)}
<h3>Orders</h3>
${orderTable(world.orders)}
</section>
`;
}

function evaluationItem(world: WorldPanel): Raw {
  const e = world.lastEvaluation;
  if (!e) return markup`<li>no evaluation yet</li>`;
  const active = e.active.length === 0 ? 'none' : e.active.map((id) => short(id)).join(', ');
  return markup`<li>evaluation ${e.id} (${e.stage}, ${e.at}): active ${active}</li>`;
}

function applyItem(world: WorldPanel): Raw {
  const a = world.apply;
  if (!a) return markup`<li>no apply yet</li>`;
  return markup`<li>apply ${a.runId}: <b>${a.phase}</b> (${a.updatedAt})</li>`;
}

function strategyTable(rows: readonly StrategyRow[]): Raw {
  if (rows.length === 0) return markup`<p class="empty">No strategies in this world.</p>`;
  return markup`<table class="strategies">
<thead><tr><th>strategy</th><th>status</th><th>stage</th><th>activation (side weight mode)</th><th>latest run</th></tr></thead>
<tbody>${join(rows.map(strategyRow))}</tbody>
</table>`;
}

function strategyRow(row: StrategyRow): Raw {
  return markup`<tr data-strategy-id="${row.strategyId}">
<td title="${row.strategyId}"><code>${short(row.strategyId)}</code></td>
<td>${row.status ?? '—'}</td>
<td>${row.stage}</td>
<td>${activationCells(row.activation)}</td>
<td>${runCell(row)}</td>
</tr>`;
}

function activationCells(cells: readonly ActivationCell[]): Raw {
  if (cells.length === 0) return markup`inactive`;
  const cell = (c: ActivationCell): Raw =>
    markup`<div class="${c.gateOpen ? 'open' : 'closed'}">${c.side} ${c.weight} ${c.mode}${c.active ? '' : ' (inactive)'}</div>`;
  return join(cells.map(cell));
}

function runCell(row: StrategyRow): Raw {
  if (!row.run) return markup`—`;
  // The one unescaped insert: api/equity-chart.ts builds it from numbers and an escaped title.
  const chart =
    row.run.equitySvg === undefined ? raw('') : raw(`<div class="chart">${row.run.equitySvg}</div>`);
  return markup`<div><code>${row.run.runId}</code> ${row.run.status}</div>${chart}`;
}

function orderTable(rows: readonly OrderRow[]): Raw {
  if (rows.length === 0) return markup`<p class="empty">No orders in this world.</p>`;
  return markup`<table class="orders">
<thead><tr><th>order</th><th>status</th><th>what</th><th>mode</th><th>started</th></tr></thead>
<tbody>${join(rows.map(orderRow))}</tbody>
</table>`;
}

function orderRow(row: OrderRow): Raw {
  const what = row.summary || `${row.symbol} on ${row.venue}`;
  return markup`<tr data-order-id="${row.orderId}">
<td><code>${row.orderId}</code></td><td>${row.status}</td><td>${what}</td><td>${row.mode}</td><td>${row.startedAt}</td>
</tr>`;
}

/** Strategy ids are 64 hex digits; twelve tell them apart on a page. */
function short(id: string): string {
  return id.length > 16 ? `${id.slice(0, 12)}…` : id;
}
