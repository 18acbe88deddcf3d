/* Desk pages follow their topics without polling: any event named in `config.bump.events` bumps
   a store (at most once a second), and the server callback redraws from the store. `config.bump`
   may also be a list of such bumps, one store each (the wall: intake and KPIs). */
(function () {
  "use strict";

  function makeBumpers(api, config) {
    var bumpers = [].concat(config.bump || []).map(function (bump) { return makeBumper(api, bump); });
    return { render: function () { bumpers.forEach(function (b) { b.render(); }); } };
  }

  function makeBumper(api, bump) {
    var changed = false, bumpedAt = 0;
    bump.events.forEach(function (name) { api.on(name, function () { changed = true; }); });
    return {
      render: function () {
        if (changed && Date.now() - bumpedAt > 1000) {
          api.setProps(bump.store, { data: Date.now() });
          changed = false;
          bumpedAt = Date.now();
        }
      },
    };
  }

  window.eccPlugins = window.eccPlugins || [];
  window.eccPlugins.push(makeBumpers);
})();
