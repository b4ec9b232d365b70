/**
 * The status page's script, sent inline and allowed by its hash in the Content-Security-Policy.
 * It builds every element with textContent (device names and fields come from the air: never
 * HTML), polls /api/status and follows /api/stream for readings.
 */
export const PAGE_SCRIPT = String.raw`(function () {
'use strict';
var $ = function (id) { return document.getElementById(id); };
var SVG = 'http://www.w3.org/2000/svg';
var devices = new Map();
var historyPoints = 60;

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
function num(v) {
  if (typeof v !== 'number') return String(v);
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}
function duration(s) {
  s = Math.max(0, Math.round(s));
  var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  if (d) return d + 'd ' + h + 'h';
  if (h) return h + 'h ' + m + 'm';
  if (m) return m + 'm ' + (s % 60) + 's';
  return s + 's';
}
function ago(ms) { return ms === undefined ? 'never' : duration((Date.now() - ms) / 1000) + ' ago'; }
function bytes(n) {
  if (typeof n !== 'number') return '-';
  var u = ['B', 'KiB', 'MiB', 'GiB'], i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + u[i];
}
function counts(o) {
  var parts = Object.keys(o || {}).filter(function (k) { return o[k]; }).map(function (k) { return k + ' ' + o[k]; });
  return parts.length ? parts.join(', ') : '0';
}

function spark(values) {
  var svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 100 24');
  svg.setAttribute('preserveAspectRatio', 'none');
  if (values.length < 2) return svg;
  var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values), span = hi - lo || 1;
  var pts = values.map(function (v, i) {
    return (i * 100 / (values.length - 1)).toFixed(1) + ',' + (22 - (v - lo) * 20 / span).toFixed(1);
  });
  var line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', pts.join(' '));
  svg.appendChild(line);
  return svg;
}

function card(d) {
  var c = el('article', 'device');
  c.dataset.id = d.id;
  var head = el('header');
  head.appendChild(el('h3', 'label'));
  head.appendChild(el('span', 'rssi'));
  c.appendChild(head);
  c.appendChild(el('div', 'meta'));
  c.appendChild(el('table', 'fields'));
  c.appendChild(el('div', 'seen'));
  return c;
}

function renderDevice(e) {
  var d = e.view, c = e.card;
  c.querySelector('.label').textContent = d.name || d.device;
  c.querySelector('.rssi').textContent = d.rssi === undefined ? '' : d.rssi + ' dBm';
  c.querySelector('.meta').textContent = d.id + ' · ' + [d.radio, d.fmt, d.src].filter(Boolean).join(' · ');
  var t = c.querySelector('.fields');
  clear(t);
  Object.keys(d.fields).forEach(function (k) {
    var tr = el('tr');
    var name = el('th', '', k);
    name.title = k;
    tr.appendChild(name);
    var v = d.fields[k];
    if (typeof v === 'number') {
      tr.appendChild(el('td', 'value', num(v)));
      var s = el('td', 'sparkcell');
      var h = e.history[k];
      if (h) s.appendChild(spark(h));
      tr.appendChild(s);
    } else {
      // Text (a beacon's UUID, a state) wraps in the space a number and its sparkline would take.
      var td = el('td', 'text', String(v));
      td.colSpan = 2;
      tr.appendChild(td);
    }
    t.appendChild(tr);
  });
  c.dataset.count = String(d.count);
  c.dataset.seq = d.seq;
  e.seenMs = Date.parse(d.lastSeen);
}

function upsert(view, history) {
  var e = devices.get(view.id);
  if (!e) {
    e = { view: view, history: history || {}, card: card(view) };
    devices.set(view.id, e);
    var ids = Array.from(devices.keys()).sort();
    var box = $('devices');
    ids.forEach(function (id) { box.appendChild(devices.get(id).card); });
    $('devcount').textContent = String(devices.size);
    $('nodevices').hidden = true;
    document.body.dataset.devices = String(devices.size);
  } else {
    e.view = view;
    if (history) e.history = history;
  }
  renderDevice(e);
}

function onReading(view) {
  var e = devices.get(view.id), h = e ? e.history : {};
  Object.keys(view.fields).forEach(function (k) {
    var v = view.fields[k];
    if (typeof v !== 'number' || !isFinite(v)) return;
    var ring = h[k] || (h[k] = []);
    ring.push(v);
    while (ring.length > historyPoints) ring.shift();
  });
  upsert(view, h);
}

// stateCol: the column holding a state name (coloured by class), or -1.
function rows(tbody, list, cells, stateCol) {
  clear(tbody);
  list.forEach(function (x) {
    var tr = el('tr');
    cells(x).forEach(function (v, i) {
      var td = el('td', i === stateCol ? 'state state-' + v : '', v);
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });
}

function renderStatus(s) {
  $('gw').textContent = s.gateway;
  document.title = 'lowband ' + s.gateway;
  $('uptime').textContent = duration(s.uptimeS);
  $('version').textContent = s.version;
  $('total').textContent = String(s.readings.total);
  $('rate').textContent = String(s.readings.perSecond);
  $('seq').textContent = s.seq;
  var al = $('alarms');
  clear(al);
  s.alarms.forEach(function (a) { al.appendChild(el('li', '', a)); });
  rows($('adapters'), s.adapters, function (a) {
    return [a.name, a.kind, a.state, ago(a.lastHeardUs === undefined ? undefined : a.lastHeardUs / 1000), String(a.received), counts(a.drops), a.detail || ''];
  }, 2);
  rows($('sinks'), s.sinks, function (k) {
    return [k.name, k.kind, k.state, k.cursor, String(k.backlog.messages + k.inFlight), k.backlog.messages + ' msg / ' + bytes(k.backlog.bytes), counts(k.drops)];
  }, 2);
  var sp = $('spool');
  clear(sp);
  if (s.spool) {
    [['mode', s.spool.mode], ['used', bytes(s.spool.bytes) + ' of ' + bytes(s.spool.maxBytes)], ['segments', s.spool.segments], ['seq range', s.spool.firstSeq + ' – ' + s.spool.lastSeq], ['drops', counts(s.spool.drops)]]
      .forEach(function (p) { sp.appendChild(el('dt', '', p[0])); sp.appendChild(el('dd', '', p[1])); });
  } else sp.appendChild(el('dd', '', 'no spool (no reliable or MQTT sink configured)'));
  var all = [];
  Object.keys(s.drops).forEach(function (c) { all.push(['pipeline', c, s.drops[c]]); });
  s.adapters.forEach(function (a) { Object.keys(a.drops).forEach(function (c) { all.push([a.name, c, a.drops[c]]); }); });
  s.sinks.forEach(function (k) { Object.keys(k.drops).forEach(function (c) { all.push([k.name, c, k.drops[c]]); }); });
  var sd = (s.spool && s.spool.drops) || {};
  Object.keys(sd).forEach(function (c) { all.push(['spool', c, sd[c]]); });
  rows($('drops'), all, function (x) { return [x[0], x[1], String(x[2])]; }, -1);
  $('nodrops').hidden = all.length > 0;
  $('drops-box').hidden = all.length === 0;
}

// The gateway's ids are bare hex; people read and type MACs with colons.
function macText(m) { return /^[0-9a-f]{12}$/i.test(m) ? m.toLowerCase().match(/../g).join(':') : m; }

function renderNearby(list) {
  var ul = $('nearby');
  clear(ul);
  // The strongest first: a sensor being paired is usually the one next to the gateway.
  var unpaired = list.filter(function (n) { return !n.paired; }).sort(function (a, b) { return b.rssi - a.rssi; }).slice(0, 50);
  $('nearby-box').hidden = unpaired.length === 0;
  unpaired.forEach(function (n) {
    var li = el('li');
    var mac = macText(n.mac);
    var b = el('button', 'link', mac);
    b.type = 'button';
    b.addEventListener('click', function () { $('pair-mac').value = mac; });
    li.appendChild(b);
    li.appendChild(el('span', '', ' ' + [n.name, n.fmt, n.rssi + ' dBm'].filter(Boolean).join(' · ')));
    ul.appendChild(li);
  });
}

function getJSON(path) {
  return fetch(path, { cache: 'no-store' }).then(function (r) {
    if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
    return r.json();
  });
}
function showDevices(j) {
  historyPoints = j.historyPoints;
  j.devices.forEach(function (d) { var h = d.history; delete d.history; upsert(d, h); });
  renderNearby(j.nearby || []);
}
function refreshStatus() {
  return getJSON('/api/status').then(renderStatus).then(function () {
    $('live').textContent = live ? 'live' : 'polling';
    $('updated').textContent = new Date().toLocaleTimeString();
  }, function (err) { $('live').textContent = 'gateway unreachable (' + err.message + ')'; });
}

var live = false;
function follow() {
  var es = new EventSource('/api/stream');
  es.addEventListener('reading', function (ev) { onReading(JSON.parse(ev.data)); });
  es.onopen = function () { live = true; $('live').textContent = 'live'; };
  es.onerror = function () { live = false; $('live').textContent = 'reconnecting'; };
}

function tick() {
  devices.forEach(function (e) { e.card.querySelector('.seen').textContent = 'last seen ' + ago(e.seenMs); });
}

var form = $('pair-form');
if (document.body.dataset.pairing === '1') {
  $('pair').hidden = false;
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var out = $('pair-result');
    var body = { mac: $('pair-mac').value.trim() };
    if ($('pair-name').value.trim()) body.name = $('pair-name').value.trim();
    if ($('pair-key').value.trim()) body.key = $('pair-key').value.trim();
    out.textContent = 'pairing…';
    fetch('/api/pair', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + $('pair-token').value.trim() },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (j) { out.textContent = r.ok ? 'paired ' + macText(j.mac) + (j.name ? ' as ' + j.name : '') : 'refused: ' + j.error; });
    }).catch(function (err) { out.textContent = 'failed: ' + err.message; });
  });
}

// The server puts the state at the time of the request into the page, so it is complete
// before any request of its own (and for tools that only wait for the load event).
var initial = JSON.parse($('initial').textContent);
renderStatus(initial.status);
showDevices(initial.devices);
tick();
document.body.dataset.ready = '1';
follow();
setInterval(refreshStatus, 2000);
setInterval(function () { getJSON('/api/devices').then(function (j) { renderNearby(j.nearby || []); }, function () {}); }, 5000);
setInterval(tick, 1000);
})();
`;
