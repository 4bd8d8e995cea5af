"""Pipedrive knowledge shared by ledgerlink's Pipedrive clients (tap, target).

- ``costs``: each operation's daily-budget cost (``x-token-cost``) and ``cost_of(method, path)``
- ``errors``: error bodies in every shape → ``PipedriveApiError`` with a ``Category``
- ``limits``: burst pacing, the company token budget with a reserve, the retry policy
- ``fields``: custom field codes → readable keys, option ids → labels
- ``incremental``: ``updated_since`` without gaps or boundary duplicates
- ``auth``: the tenant's credential from the ``TokenStore``, refreshed once after a 401
- ``transport``: every request within the limits and the retry policy, counted per operation
- ``client``: typed operations (organizations, fields, persons, deals, notes)
"""
