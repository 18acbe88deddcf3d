/*
 * The node-alert board (节点预警) of the wall display. It loads the alerts standing now over the
 * REST API, then follows every `alert` event from the live client (eccLive), keeping one entry per
 * clock: a newer stage replaces an older one, `done` removes it. Most severe first; when there are
 * more than fit, the board turns its pages by itself (a wall display gets no clicks).
 */
(function () {
  "use strict";

  var RANK = { locked: 0, chased: 1, overdue: 2, due: 3, upcoming: 4 };
  var DAY_MS = 86400000;
  var MAX_PAGES = 3;  // the wall turns through the most severe; the footer counts the rest

  function el(type, className, children) {
    return { type: type, namespace: "dash_html_components",
             props: { className: className, children: children } };
  }

  function shortCaseNo(caseNo) {
    var match = /(执[恢保]?\d+号)/.exec(caseNo);
    return match ? match[1] : caseNo;
  }

  function makeBoard(api, config) {
    var board = config.board;
    if (!board) { return {}; }
    var labels = config.labels, alerts = new Map(), pending = [], loaded = false;
    var dirty = true, shownPage = -1, renderedAt = 0;
    var REFRESH_MS = 15000;  // re-render anyway: "3 days late" becomes "4 days late"

    function keyOf(alert) { return alert.case_no + "|" + alert.node + "|" + alert.instance; }

    function apply(alert) {
      if (!(alert.level in RANK) && alert.level !== "done") { return; }
      var key = keyOf(alert), known = alerts.get(key);
      if (alert.level === "done") { alerts.delete(key); dirty = true; return; }
      if (known && Date.parse(known.raised_at) > Date.parse(alert.raised_at)) { return; }
      alerts.set(key, alert);
      dirty = true;
    }

    function load() {
      fetch("/api/v1/alerts", { headers: { Authorization: "Bearer " + api.token() } })
        .then(function (reply) { return reply.ok ? reply.json() : []; })
        .then(function (list) {
          alerts = new Map();  // replace: alerts resolved while disconnected must go
          list.forEach(function (alert) { alert.alert_id = alert.id; apply(alert); });
          loaded = true;
          pending.forEach(apply);
          pending = [];
        })
        .catch(function () { loaded = true; });
    }

    api.on("alert", function (alert) { if (loaded) { apply(alert); } else { pending.push(alert); } });
    // on every (re)connect: what stands now, from the store; live events fill in from there
    api.whenConnected(function () { loaded = false; load(); });

    function timing(alert, now) {
      if (!alert.due_at) { return ""; }
      var lateDays = (now - Date.parse(alert.due_at)) / DAY_MS;
      if (lateDays >= 0) { return labels.overdue.replace("{n}", String(Math.floor(lateDays) + 1)); }
      if (alert.level === "due") { return labels.today; }
      return labels.left.replace("{n}", String(Math.ceil(-lateDays)));
    }

    function owner(alert) {
      return board.officers[alert.owner] || board.courts[alert.owner] || alert.owner;
    }

    function row(alert, now) {
      return el("Div", "alert-row level-" + alert.level, [
        el("Span", "badge", board.levelLabels[alert.level]),
        el("Span", "court", board.courts[alert.court_id] || alert.court_id),
        el("Span", "case", shortCaseNo(alert.case_no)),
        el("Span", "node", alert.node_name),
        el("Span", "timing", timing(alert, now)),
        el("Span", "escalation", board.escalation[alert.escalation] || alert.escalation),
        el("Span", "owner", owner(alert)),
      ]);
    }

    function sorted() {
      return Array.from(alerts.values()).sort(function (a, b) {
        return (RANK[a.level] - RANK[b.level])
          || (Date.parse(a.due_at || 0) - Date.parse(b.due_at || 0))
          || (a.court_id < b.court_id ? -1 : 1);
      });
    }

    function rowsThatFit() {  // each row is about 4.1% of the viewport's height (see wall.css)
      var box = document.getElementById(board.rows);
      if (!box || !box.clientHeight) { return board.perPage; }
      return Math.max(4, Math.floor(box.clientHeight / (window.innerHeight * 0.041)));
    }

    function render(now) {
      var list = sorted(), perPage = rowsThatFit();
      var pages = Math.min(MAX_PAGES, Math.max(1, Math.ceil(list.length / perPage)));
      var page = Math.floor(Date.now() / (board.pageS * 1000)) % pages;
      if (!dirty && page === shownPage && Date.now() - renderedAt < REFRESH_MS) { return; }
      var counts = {};
      list.forEach(function (alert) { counts[alert.level] = (counts[alert.level] || 0) + 1; });
      board.levels.forEach(function (level) {
        api.setProps(board.countPrefix + level, { children: String(counts[level] || 0) });
      });
      var shown = list.slice(page * perPage, (page + 1) * perPage);
      var rows = shown.length ? shown.map(function (alert) { return row(alert, now); })
                              : [el("Div", "alert-empty", labels.none)];
      api.setProps(board.rows, { children: rows });
      api.setProps(board.footer, { children: labels.page.replace("{p}", String(page + 1))
        .replace("{n}", String(pages)).replace("{t}", String(list.length)) });
      dirty = false;
      shownPage = page;
      renderedAt = Date.now();
    }

    return { render: render, size: function () { return alerts.size; } };
  }

  window.eccPlugins = window.eccPlugins || [];
  window.eccPlugins.push(makeBoard);
})();
