"""The player's subtitle menu names each track in the viewer's language, as the title page and
the audio menu do, not by the studio's free label."""

from __future__ import annotations

from .conftest import grant
from .test_playback import start


def test_subtitle_tracks_are_named_in_the_viewers_language(viewer_client, viewer, film):
    grant(viewer, film)
    names = {}
    for language in ("ja", "en"):
        info = start(viewer_client, film.slug).json
        master = viewer_client.get(info["master_url"], headers={"Accept-Language": language})
        names[language] = master.get_data(as_text=True)
    # The track is French, labelled "Français" by its studio.
    assert 'TYPE=SUBTITLES,GROUP-ID="subs",NAME="フランス語",LANGUAGE="fr"' in names["ja"]
    assert 'TYPE=SUBTITLES,GROUP-ID="subs",NAME="French",LANGUAGE="fr"' in names["en"]
