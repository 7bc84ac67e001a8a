"""Films' files: resumable uploads straight to storage, the probe and transcode pipeline's
state, posters and stills, subtitles, the signed HLS playlists served to players, and the
configured storage backend (`storage`, built once in create_app; jobs and watching read it too).

May import models and the storage and media adapters; never payments.
"""
