/*
 * Panel rotation for a wall on a smaller screen (?rotate=SECONDS on /wall): the wall body shows one
 * of its columns at a time, full size, and turns to the next on a timer. Nobody clicks a wall.
 */
(function () {
  "use strict";

  var shown = 0, turnedAt = 0;

  function turn() {
    var wall = document.querySelector(".wall[data-rotate]");
    if (!wall) { return; }
    var seconds = Math.max(5, Number(wall.getAttribute("data-rotate")) || 20);
    var panels = wall.querySelectorAll(".wall-body > *");
    var now = Date.now();
    if (!panels.length) { return; }
    if (now - turnedAt >= seconds * 1000) {
      shown = turnedAt === 0 ? 0 : (shown + 1) % panels.length;
      turnedAt = now;
    }
    var changed = false;
    panels.forEach(function (panel, n) {
      var on = n === shown % panels.length;
      if (panel.classList.contains("on-air") !== on) { panel.classList.toggle("on-air", on); changed = true; }
    });
    if (changed) { refit(panels[shown % panels.length]); }
  }

  function refit(panel) {  // a plot drawn while hidden has the default size: fit it to the panel
    if (!window.Plotly) { return; }
    panel.querySelectorAll(".js-plotly-plot").forEach(function (plot) {
      window.Plotly.Plots.resize(plot);
    });
  }

  setInterval(turn, 1000);
})();
