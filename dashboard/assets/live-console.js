/* Desk pages follow their topics without polling: any event named in `config.bump.events` bumps
   a store (at most once a second), and the server callback redraws from the store. */
(function () {
  "use strict";

  function makeBumper(api, config) {
    var bump = config.bump;
    if (!bump) { return {}; }
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
  window.eccPlugins.push(makeBumper);
})();
