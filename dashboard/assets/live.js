/*
 * The screens' live client: a small Socket.IO client (protocol v5 over Engine.IO v4, WebSocket
 * transport only) that keeps the latest state and patches Dash components at most 4 times a second.
 *
 * - Positions arrive as coalesced snapshots; the map's units trace is replaced by dash Patch.
 * - Every other event (alerts, tips, dispatches) is kept, in id order, and handed to listeners
 *   registered with eccLive.on(event, fn); a reconnect sends the last id seen, so nothing is lost.
 * - The clock shows the center's (possibly simulated) time in Asia/Shanghai.
 */
(function () {
  "use strict";

  var RENDER_MS = 250;          // at most 4 screen updates a second
  var MS_PER_UNIT = 0.75;       // big fleets: a map redraw costs ~0.15 ms a unit on a CPU-only
                                // screen, so redraw less often (2,000 units: every 1.5 s)
  var ALTERNATE_FROM = 500;     // and above this many units, redraw one map per turn
  var TRAILS_UP_TO = 800;       // and above this many, no trails (their points cost as much)
  var FORCE_RENDER_MS = 2000;   // redraw anyway, so ageing fixes turn stale on time
  var DATA_SILENCE_MS = 5000;   // no snapshot for this long: the data on screen is stale
  var MAX_BACKOFF_MS = 10000;

  var state = {
    config: null, ws: null, started: false, connected: false, everConnected: false,
    units: new Map(), order: [], trails: new Map(), lastEventId: null, lastPositionId: null,
    serverNow: null, receivedAt: 0, dirty: false, lastRender: 0, backoff: 500,
    listeners: {}, ackSeq: 0, stats: { snapshots: 0, events: 0, patches: 0, reconnects: 0 },
  };

  function idKey(id) {
    var parts = String(id).split("-");
    return [Number(parts[0]), Number(parts[1] || 0)];
  }

  function idAfter(a, b) {
    if (b === null || b === undefined) { return true; }
    var x = idKey(a), y = idKey(b);
    return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);
  }

  function setProps(id, props) {
    // a dcc.Store has no DOM element, so ask Dash, not the document, whether the id exists
    if (!window.dash_clientside || !window.dash_clientside.set_props) { return; }
    if (!document.getElementById(id) && !knownToDash(id)) { return; }
    window.dash_clientside.set_props(id, props);
  }

  function knownToDash(id) {
    var stores = window.dash_stores || [];
    for (var i = 0; i < stores.length; i++) {
      var paths = stores[i].getState().paths;
      if (paths && paths.strs && paths.strs[id]) { return true; }
    }
    return false;
  }

  function simNow() {
    if (state.serverNow === null) { return Date.now(); }
    return state.serverNow + (performance.now() - state.receivedAt) * state.config.speed;
  }

  /* ---- Socket.IO over a WebSocket ---- */

  function connect() {
    fetch("/auth/session", { credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { window.location.href = "/login?next=" + window.location.pathname; }
        return r.json();
      })
      .then(function (body) {
        if (body && body.token) { state.token = body.token; openSocket(body.token); }
      })
      .catch(function () { scheduleReconnect(); });
  }

  function openSocket(token) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + "/socket.io/?EIO=4&transport=websocket");
    state.ws = ws;
    ws.onmessage = function (message) { onEngineMessage(ws, String(message.data), token); };
    ws.onclose = function () {
      if (state.ws === ws) { state.connected = false; state.dirty = true; scheduleReconnect(); }
    };
    ws.onerror = function () { ws.close(); };
  }

  function scheduleReconnect() {
    var wait = state.backoff * (0.75 + Math.random() / 2);
    state.backoff = Math.min(state.backoff * 2, MAX_BACKOFF_MS);
    state.stats.reconnects += 1;
    setTimeout(connect, wait);
  }

  function send(ws, packet) { if (ws.readyState === 1) { ws.send(packet); } }

  function onEngineMessage(ws, data, token) {
    var kind = data.charAt(0);
    if (kind === "0") { send(ws, "40" + state.config.namespace + "," + JSON.stringify({ token: token })); }
    else if (kind === "2") { send(ws, "3"); }
    else if (kind === "4") { onSocketPacket(ws, data.slice(1)); }
  }

  function stripNamespace(packet) {
    var ns = state.config.namespace + ",";
    var body = packet.slice(1);
    return body.indexOf(ns) === 0 ? body.slice(ns.length) : body;
  }

  function onSocketPacket(ws, packet) {
    var kind = packet.charAt(0);
    var body = stripNamespace(packet);
    if (kind === "0") { onConnected(ws); }
    else if (kind === "4") { ws.close(); }
    else if (kind === "1") { ws.close(); }
    else if (kind === "2") {
      var event = JSON.parse(body.slice(body.indexOf("[")));
      onEvent(event[0], event[1]);
    }
  }

  function onConnected(ws) {
    state.connected = true;
    state.everConnected = true;
    state.backoff = 500;
    state.dirty = true;
    var request = { topics: state.config.topics };
    if (state.lastEventId !== null) { request.last_id = state.lastEventId; }
    (state.listeners._connected || []).forEach(function (fn) { fn(state.lastEventId === null); });
    state.ackSeq += 1;
    send(ws, "42" + state.config.namespace + "," + state.ackSeq + JSON.stringify(["subscribe", request]));
  }

  /* ---- events ---- */

  function onEvent(name, payload) {
    if (name === "position") { onSnapshot(payload); return; }
    if (name === "unit") { onUnitStatus(payload); }
    if (payload && payload.id !== undefined) {
      if (!idAfter(payload.id, state.lastEventId)) { return; }  // already seen (replay overlap)
      state.lastEventId = payload.id;
    }
    state.stats.events += 1;
    (state.listeners[name] || []).forEach(function (fn) { fn(payload); });
  }

  function onSnapshot(snapshot) {
    state.stats.snapshots += 1;
    state.serverNow = Date.parse(snapshot.now);
    state.receivedAt = performance.now();
    state.lastPositionId = snapshot.id;
    snapshot.fixes.forEach(function (fix) {
      if (!state.units.has(fix.unit_id)) { state.order.push(fix.unit_id); }
      state.units.set(fix.unit_id, fix);
      remember(fix);
    });
    if (snapshot.fixes.length) { state.dirty = true; }
  }

  var TRAIL_POINTS = 12;  // per unit: enough for a tail, cheap at 2,000 units

  function remember(fix) {
    var trail = state.trails.get(fix.unit_id);
    if (!trail) { trail = []; state.trails.set(fix.unit_id, trail); }
    var at = Date.parse(fix.at), last = trail[trail.length - 1];
    if (last && last[2] >= at) { return; }
    trail.push([fix.lon, fix.lat, at]);
    if (trail.length > TRAIL_POINTS) { trail.shift(); }
  }

  function trailColumns(now) {
    var x = [], y = [], oldest = now - (state.config.trailS || 600) * 1000;
    state.trails.forEach(function (trail) {
      var recent = trail.filter(function (p) { return p[2] >= oldest; });
      if (recent.length < 2) { return; }
      recent.forEach(function (p) { x.push(p[0]); y.push(p[1]); });
      x.push(null); y.push(null);
    });
    return { x: x, y: y };
  }

  function onUnitStatus(change) {
    var fix = state.units.get(change.unit_id);
    if (fix) { fix.status = change.status; state.dirty = true; }
    var known = state.config.registry && state.config.registry[change.unit_id];
    if (known) { known[0] = change.status; state.dirty = true; }
  }

  /* ---- drawing ---- */

  function freshnessOf(fix, now) {
    var ageS = (now - Date.parse(fix.at)) / 1000;
    if (ageS >= state.config.offlineAfterS) { return "offline"; }
    if (ageS >= state.config.staleAfterS) { return "stale"; }
    return "fresh";
  }

  function columns(now) {
    var c = state.config, out = { x: [], y: [], color: [], symbol: [], id: [], text: [], counts: {} };
    state.order.forEach(function (unitId) {
      var fix = state.units.get(unitId), fresh = freshnessOf(fix, now);
      var key = fresh === "fresh" ? fix.status : fresh;
      out.x.push(fix.lon); out.y.push(fix.lat); out.id.push(unitId);
      out.color.push(fresh === "fresh" ? c.colours[fix.status] : c.staleColour);
      out.symbol.push(c.symbols[fresh]);
      var court = (c.courtNames || {})[fix.court_id] || fix.court_id;
      out.text.push(unitId + " · " + court + " · " + c.labels.statuses[key] +
                    (fix.speed_kmh ? " · " + Math.round(fix.speed_kmh) + " km/h" : ""));
      out.counts[key] = (out.counts[key] || 0) + 1;
    });
    Object.keys(c.registry || {}).forEach(function (unitId) {  // never heard from
      if (state.units.has(unitId)) { return; }
      var key = c.registry[unitId][0] === "off_duty" ? "off_duty" : "offline";
      out.counts[key] = (out.counts[key] || 0) + 1;
    });
    return out;
  }

  function patchMaps(cols, now) {
    var big = state.units.size > TRAILS_UP_TO;
    var trails = big ? { x: [], y: [] } : trailColumns(now);
    var maps = state.config.maps || [];
    if (state.units.size > ALTERNATE_FROM && maps.length > 1) {
      state.mapTurn = ((state.mapTurn || 0) + 1) % maps.length;
      maps = [maps[state.mapTurn]];
    }
    maps.forEach(function (map) {
      // an SVG map keeps lon/lat in x/y; a tiled (MapLibre) map in lon/lat, circles only
      var t = map.unitTrace, tt = map.trailTrace, kx = map.geo ? "lon" : "x", ky = map.geo ? "lat" : "y";
      var patch = new window.dash_clientside.Patch()
        .assign(["data", tt, kx], trails.x).assign(["data", tt, ky], trails.y)
        .assign(["data", t, kx], cols.x).assign(["data", t, ky], cols.y)
        .assign(["data", t, "customdata"], cols.id).assign(["data", t, "text"], cols.text)
        .assign(["data", t, "marker", "color"], cols.color);
      if (!map.geo) { patch.assign(["data", t, "marker", "symbol"], cols.symbol); }
      setProps(map.id, { figure: patch.build() });
    });
    state.stats.patches += 1;
  }

  function updateCounts(cols) {
    var c = state.config;
    Object.keys((c.labels || {}).statuses || {}).forEach(function (key) {
      setProps(c.countPrefix + key, { children: String(cols.counts[key] || 0) });
    });
  }

  var timeFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

  function updateClock(now) {
    var c = state.config;
    if (!c.clock) { return; }
    var dateFormat = new Intl.DateTimeFormat(c.lang === "en" ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "long", day: "numeric", weekday: "long" });
    setProps(c.clock, { children: timeFormat.format(new Date(now)) });
    setProps(c.date, { children: dateFormat.format(new Date(now)) });
  }

  function updateConnection() {
    var c = state.config, labels = c.labels;
    if (!labels || !c.connection) { return; }
    var silentMs = performance.now() - state.receivedAt;
    var cls = "live", text = labels.live;
    if (!state.connected) { cls = state.everConnected ? "reconnecting" : "connecting"; text = labels[cls]; }
    else if (state.serverNow === null || silentMs > DATA_SILENCE_MS) { cls = "silent"; text = labels.silent; }
    setProps(c.connection, { children: text, className: "connection " + cls });
    var ago = state.serverNow === null ? "" : labels.updated.replace("{s}", String(Math.round(silentMs / 1000)));
    setProps(c.freshness, { children: ago });
  }

  function render() {
    if (!state.config) { return; }
    var now = simNow(), wall = performance.now();
    updateClock(now);
    updateConnection();
    var budget = Math.max(RENDER_MS, state.units.size * MS_PER_UNIT);
    if (state.config.maps && wall - state.lastRender >= budget &&
        (state.dirty || wall - state.lastRender > FORCE_RENDER_MS)) {
      var cols = columns(now);
      patchMaps(cols, now);
      updateCounts(cols);
      state.dirty = false;
      state.lastRender = wall;
    }
  }

  var plugins = [];

  function start(config) {
    state.config = config;
    state.dirty = true;
    if (state.started) { return; }
    state.started = true;
    (window.eccPlugins || []).forEach(function (make) { plugins.push(make(api, config)); });
    setInterval(function () {
      render();
      plugins.forEach(function (plugin) { if (plugin.render) { plugin.render(simNow()); } });
    }, RENDER_MS);
    connect();
  }

  function on(name, fn) { (state.listeners[name] = state.listeners[name] || []).push(fn); }

  /* what panels in other asset files may use (see live-board.js) */
  var api = {
    on: on, setProps: setProps, simNow: simNow,
    whenConnected: function (fn) { on("_connected", fn); },
    token: function () { return state.token; },
  };

  window.eccLive = {
    start: start,
    on: on,
    stats: function () {
      return { connected: state.connected, units: state.units.size, trails: state.trails.size,
               lastEventId: state.lastEventId,
               lastPositionId: state.lastPositionId, snapshots: state.stats.snapshots,
               events: state.stats.events, patches: state.stats.patches, reconnects: state.stats.reconnects };
    },
  };
})();
