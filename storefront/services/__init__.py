"""Business rules, one package per domain. No request objects here; functions flush, the
caller (the request boundary or a job) commits once.

- `catalog`: titles, offers, availability (the one territory rule), the public catalogue
- `media`: uploads, the transcode pipeline's state, images, subtitles, playlists, and the
  configured storage backend (`media.storage`), which watching reads too
- `payments`: checkout, orders, fulfilment, refunds, disputes, Connect, ledger, reconcile
- `rights`: rights holders, split rules, split snapshots and each holder's share
- `promotion`: codes, screeners, pre-orders, pay what you want, festivals, passes, bundles
- `watching`: library, playback, progress, portability, audience analytics
- `accounts`: users, studios, roles, sessions, and their mail (`accounts.notifications`:
  transactional mail, queued once per event and sent by a job)
- `reports`: revenue read from the ledger
- `locks`: row locks that hold on PostgreSQL and SQLite alike (orders, events, accounts)

Arrows point down: web -> services -> models and adapters. Services never import web.
"""


class ServiceError(Exception):
    """A rule was broken; the message is safe to show to the person who asked."""
