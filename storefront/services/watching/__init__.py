"""Watching what one has paid for: the viewer's library, playback checks (entitlement,
territory, rental clock, concurrent streams), the signed tokens of playlist links and watch
progress.

May import models, `services.catalog` (availability), `services.payments` (access rule) and
`services.media` (playlists).
"""
