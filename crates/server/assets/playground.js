// Renders GraphiQL (the page is crates/server/src/playground.rs's) against this server:
// queries and mutations POSTed as JSON to graphql, which carries the session cookie
// `login` sets; subscriptions over graphql-transport-ws on graphql/ws of the same
// origin, where the cookie signs the socket in too. The headers tab's JSON goes with
// both (e.g. {"Authorization": "Bearer …"}). Both are relative to the page, so the
// playground works behind a proxy that serves the portal under a path.
(function () {
  'use strict';
  var page = window.location.href;
  var subscriptions = new URL('graphql/ws', page);
  subscriptions.protocol = subscriptions.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: new URL('graphql', page).href,
    subscriptionUrl: subscriptions.href,
  });
  var tabs = JSON.parse(document.getElementById('playground-tabs').textContent);
  tabs.forEach(function (tab) {
    if (tab.variables) tab.variables = JSON.stringify(JSON.parse(tab.variables), null, 2);
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      // None (the file did not read, see the server's log): GraphiQL's own default.
      defaultTabs: tabs.length > 0 ? tabs : undefined,
      defaultEditorToolsVisibility: true,
    }),
  );
})();
