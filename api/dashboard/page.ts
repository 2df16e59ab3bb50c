/**
 * The dashboard's page shell, served at `/` without data and without auth.
 * A browser has no Bearer header, and a key in the URL would end up in access
 * logs, so the page asks for a key once, keeps it in localStorage and fetches
 * the rendered body from `GET /v1/dashboard` with it. The script and style
 * are inline and pinned by hash in the Content-Security-Policy: the page
 * loads nothing from anywhere, and no injected script could run.
 */
import { createHash } from 'node:crypto';

/** localStorage entry holding the API key. */
export const DASHBOARD_KEY_STORAGE = 'qmtl.apiKey';

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1f2328; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
h2 small { color: #656d76; font-weight: normal; font-size: .8em; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
section.world { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem 1rem 1rem; margin: 1rem 0; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid #d8dee4; padding: .25rem .6rem; text-align: left; vertical-align: top; }
.empty, .generated, .flags { color: #656d76; }
.open { color: #1a7f37; }
.closed { color: #9a6700; }
#status { color: #9a6700; }
`;

const SCRIPT = `
(function () {
  var KEY = '${DASHBOARD_KEY_STORAGE}';
  var body = document.getElementById('dashboard');
  var form = document.getElementById('key-form');
  var input = document.getElementById('key');
  var forget = document.getElementById('forget');
  var status = document.getElementById('status');
  function show(text) { status.textContent = text; }
  function load() {
    var key = localStorage.getItem(KEY);
    form.hidden = Boolean(key);
    forget.hidden = !key;
    if (!key) { body.textContent = ''; show('Paste an API key (role reader or above) to load the dashboard.'); return; }
    show('Loading…');
    fetch('/v1/dashboard', { headers: { authorization: 'Bearer ' + key, accept: 'text/html' } })
      .then(function (res) {
        if (res.status === 401 || res.status === 403) {
          localStorage.removeItem(KEY);
          form.hidden = false;
          forget.hidden = true;
          show('The key was refused (' + res.status + '); paste another.');
          return;
        }
        if (!res.ok) { show('Could not load the dashboard (' + res.status + ').'); return; }
        return res.text().then(function (html) { body.innerHTML = html; show(''); });
      })
      .catch(function (err) { show('Could not load the dashboard: ' + err.message); });
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    localStorage.setItem(KEY, input.value.trim());
    input.value = '';
    load();
  });
  forget.addEventListener('click', function () { localStorage.removeItem(KEY); load(); });
  document.getElementById('reload').addEventListener('click', load);
  load();
})();
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Nothing but the inline script and style may run; data comes from this origin only. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QMTL dashboard</title>
<style>${STYLE}</style>
</head>
<body>
<h1>QMTL dashboard</h1>
<form id="key-form" hidden>
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="off" size="48" required>
<button type="submit">Use key</button>
</form>
<p><button id="reload" type="button">Reload</button> <button id="forget" type="button" hidden>Forget key</button> <span id="status" role="status"></span></p>
<main id="dashboard"></main>
<script>${SCRIPT}</script>
</body>
</html>
`;
