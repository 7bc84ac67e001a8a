"""Films' files: resumable uploads straight to storage, the probe and transcode pipeline's
state, posters and stills, subtitles, and the signed HLS playlists served to players.

May import models, `services.storage` and the storage and media adapters; never payments.
"""
