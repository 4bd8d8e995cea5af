"""The plugin foundation: what every ledgerlink tap and target stands on.

Modules, in the order they build on each other (none imports a later one):

- ``settings``: the config properties every plugin shares (``tenant``, ``database_url_env``,
  ``token_margin_seconds``) and the ``TokenStore`` they select, with the DSN and the margin
  passed in explicitly (no plugin writes ``os.environ``).
- ``http``: the one tuple of transient network errors and the request wrapper that runs every
  attempt through a ``ledgerlink.retry.RetryLoop``-based policy.
- ``urls``: which API base URL a plugin talks to (the stored connection's, unless overridden).
- ``auth``: the ``TokenStoreAuthenticator`` for any provider.
- ``cli``: the command wrapper that turns any error a user can act on into one line, exit 1.
- ``target``: ``StoreTarget``, the base of every target.

It imports singer-sdk, which the core does not declare: only plugins import this package, and
each plugin depends on singer-sdk itself (the rest of the core never imports it).
"""
