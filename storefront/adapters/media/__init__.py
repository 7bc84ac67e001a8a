"""Media adapter: probing uploads and transcoding them to HLS with FFmpeg.

This package is the only place that uses PyAV, imageio-ffmpeg or runs FFmpeg.

* ``base``: value types, the ``Transcoder`` protocol, ``ProbeError``/``TranscodeError``
  (safe to import anywhere; no FFmpeg involved)
* ``probe.probe(path)``: what the upload holds; decodes a frame to prove it is usable
* ``ladder.choose_renditions(height, width)``: which renditions to encode
* ``hls.HlsTranscoder``: one FFmpeg process writing the whole HLS ladder, plus posters

Typical use from a background job::

    info = probe(upload_path)
    renditions = choose_renditions(info.height, info.width)
    result = HlsTranscoder().transcode(
        upload_path, out_dir, renditions, on_progress=report, should_cancel=cancelled,
        probe_result=info,
    )
"""
