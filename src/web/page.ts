import { createHash } from 'node:crypto';
import { PAGE_SCRIPT } from './page-script';

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1c2330; --muted: #667085; --card: #fff; --line: #d0d5dd; --accent: #2f6fdb; --bad: #c0392b; --ok: #1e8e3e; }
@media (prefers-color-scheme: dark) { :root { --bg: #12161c; --fg: #e6e9ef; --muted: #98a2b3; --card: #1b212b; --line: #344054; --accent: #6ea0ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
body > header, main, body > footer { max-width: 1200px; margin: 0 auto; padding: 12px 16px; }
h1 { font-size: 1.4rem; margin: 0 0 4px; } h1 #gw { color: var(--accent); }
h2 { font-size: 1.05rem; margin: 20px 0 8px; } h3 { font-size: 1rem; margin: 0; overflow-wrap: anywhere; }
.summary { display: flex; flex-wrap: wrap; gap: 4px 16px; color: var(--muted); margin: 0; padding: 0; list-style: none; }
.summary b { color: var(--fg); font-weight: 600; }
#alarms:empty { display: none; }
#alarms { margin: 8px 0 0; padding: 0; list-style: none; } #alarms li { color: var(--bad); font-weight: 600; } #alarms li::before { content: "! "; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 260px), 1fr)); gap: 12px; align-items: start; }
.device { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; }
.device header { display: flex; justify-content: space-between; gap: 8px; align-items: baseline; }
.rssi, .meta, .seen { color: var(--muted); font-size: .85rem; } .meta { overflow-wrap: anywhere; margin: 2px 0 6px; }
table { border-collapse: collapse; width: 100%; }
.fields th { text-align: left; font-weight: 500; padding: 2px 6px 2px 0; color: var(--muted); white-space: nowrap; }
.fields .value { text-align: right; font-variant-numeric: tabular-nums; padding: 2px 6px; white-space: nowrap; }
.fields .text { overflow-wrap: anywhere; word-break: break-all; padding: 2px 0 2px 6px; }
.fields { table-layout: fixed; } .fields th { width: 46%; overflow: hidden; text-overflow: ellipsis; } .fields .value { width: 20%; }
.sparkcell { width: 34%; } .spark { width: 100%; height: 24px; display: block; }
.spark polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.wide { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
.wide table th, .wide table td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
.wide table th { color: var(--muted); font-weight: 500; }
.state-running, .state-listening, .state-connected { color: var(--ok); }
.state-degraded, .state-disconnected, .state-stopped { color: var(--bad); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; }
dt { color: var(--muted); } dd { margin: 0; }
form { display: grid; gap: 8px; max-width: 420px; } input, button { font: inherit; padding: 6px 8px; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); }
button { cursor: pointer; } button.link { border: 0; padding: 0; color: var(--accent); background: none; text-decoration: underline; }
#nearby { padding-left: 18px; }
body > footer { color: var(--muted); font-size: .85rem; }
@media (max-width: 520px) { body { font-size: 14px; } .grid { grid-template-columns: 1fr; } }
`;

function body(pairing: boolean): string {
  const th = (names: string[]) => `<thead><tr>${names.map((n) => `<th>${n}</th>`).join('')}</tr></thead>`;
  return `<body data-ready="0" data-devices="0" data-pairing="${pairing ? 1 : 0}">
<header>
<h1>lowband <span id="gw"></span></h1>
<ul class="summary">
<li>up <b id="uptime">-</b></li><li>version <b id="version">-</b></li><li>readings <b id="total">-</b></li>
<li><b id="rate">-</b>/s</li><li>seq <b id="seq">-</b></li>
</ul>
<ul id="alarms"></ul>
</header>
<main>
<h2>Devices (<span id="devcount">0</span>)</h2>
<p id="nodevices">No device heard yet. With <code>ble.forward: paired</code> only paired sensors are shown.</p>
<div id="devices" class="grid"></div>
<h2>Adapters</h2>
<div class="wide"><table>${th(['name', 'kind', 'state', 'last heard', 'received', 'drops', 'detail'])}<tbody id="adapters"></tbody></table></div>
<h2>Sinks</h2>
<div class="wide"><table>${th(['name', 'kind', 'state', 'cursor', 'lag', 'queue', 'drops'])}<tbody id="sinks"></tbody></table></div>
<h2>Spool</h2>
<dl id="spool"></dl>
<h2>Drops</h2>
<p id="nodrops">No drops.</p>
<div class="wide" id="drops-box"><table>${th(['where', 'cause', 'count'])}<tbody id="drops"></tbody></table></div>
<section id="nearby-box" hidden>
<h2>Nearby BLE devices, not paired</h2>
<ul id="nearby"></ul>
</section>
<section id="pair" hidden>
<h2>Pair a BLE sensor</h2>
<form id="pair-form" autocomplete="off">
<input id="pair-mac" placeholder="MAC, e.g. A4:C1:38:00:00:01" required maxlength="17">
<input id="pair-name" placeholder="name (optional)" maxlength="64">
<input id="pair-key" placeholder="bindkey, 32 hex digits (optional)" maxlength="32">
<input id="pair-token" type="password" placeholder="web token" required>
<button type="submit">Pair</button>
<output id="pair-result"></output>
</form>
</section>
</main>
<footer><span id="live">connecting</span> · updated <span id="updated">-</span> · <a href="/metrics">metrics</a> · <a href="/api/status">status JSON</a></footer>
<script type="application/json" id="initial">${INITIAL}</script>
<script>${PAGE_SCRIPT}</script>
</body>`;
}

function sha256(s: string): string {
  return `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
}

/** Where the state at request time goes in the page. */
const INITIAL = '\u0000initial\u0000';

/** The status page and the Content-Security-Policy that allows exactly its inline script and style. */
export interface StatusPage {
  /** The page with `initial` (status and devices at request time) in a JSON data block. */
  render(initial: unknown): string;
  csp: string;
}

/** Builds the page once per server: it loads nothing from outside, and nothing else may run on it. */
export function statusPage(opts: { pairing: boolean }): StatusPage {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lowband</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
${body(opts.pairing)}
</html>
`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(PAGE_SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const [head, tail] = html.split(INITIAL);
  // `<` escaped: text from the air can never close the data block and start markup.
  const render = (initial: unknown) => head + JSON.stringify(initial).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + tail;
  return { render, csp };
}
