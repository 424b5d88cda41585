/* The query editor: YASGUI on this site's /sparql, with the project's prefixes and example queries.
   Configuration comes from the page (a JSON script element), so no inline script is needed. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var examples = {};
  config.examples.forEach(function (example) { examples[example.slug] = example; });

  // no look-ups on other sites (prefix.cc, LOV): the CSP would refuse them anyway
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  Yasgui.Yasqe.defaults.value = config.defaultQuery;
  Yasgui.defaults.requestConfig.endpoint = endpoint;

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "hankegraafi-yasgui",
  });
  window.hankegraafiYasgui = yasgui;

  var permalink = document.getElementById("permalink");
  function updatePermalink(text) {
    var url = new URL(window.location.pathname, window.location.href);
    url.searchParams.set("query", text);
    if (config.lang) { url.searchParams.set("lang", config.lang); }
    permalink.href = url.pathname + url.search;
  }

  function currentYasqe() {
    var tab = yasgui.getTab();
    return tab && tab.getYasqe();
  }

  function prepare(tab) {
    var yasqe = tab.getYasqe();
    if (!yasqe) { return; }
    updatePermalink(yasqe.getValue());
    if (!yasqe.hankegraafiWatched) {
      yasqe.hankegraafiWatched = true;
      yasqe.on("change", function () { updatePermalink(yasqe.getValue()); });
    }
  }

  // a permalink (/query?query=…) wins over what the browser remembered
  var params = new URLSearchParams(window.location.search);
  var fromUrl = params.get("query");
  var tab = yasgui.getTab();
  if (fromUrl && tab) {
    tab.setQuery(fromUrl);
  }
  if (tab) {
    prepare(tab);
    // the endpoint is always this site's
    tab.setEndpoint(endpoint);
  }
  yasgui.on("tabSelect", function (_yasgui, id) {
    var selected = yasgui.getTab(id);
    if (selected) { setTimeout(function () { prepare(selected); }, 0); }
  });

  document.getElementById("example-select").addEventListener("change", function (event) {
    var example = examples[event.target.value];
    if (!example) { return; }
    var current = yasgui.getTab();
    current.setQuery(example.query);
    current.setName(example.title);
    updatePermalink(example.query);
  });
})();
