"""Pipeline settings: safe defaults, a readable ladder syntax, loud refusals."""

from __future__ import annotations

import pytest

from storefront.adapters.media.ladder import DEFAULT_LADDER
from storefront.config import ConfigError, load_config


def test_defaults_suit_one_small_machine():
    config = load_config({}, instance_path="/srv/instance")
    assert config["TRANSCODE_LADDER"] == list(DEFAULT_LADDER)
    assert config["TRANSCODE_SEGMENT_SECONDS"] == 6
    assert config["TRANSCODE_PRESET"] == "veryfast"
    assert config["FFMPEG_PATH"] is None  # the binary bundled with imageio-ffmpeg
    assert (config["TRANSCODE_STALE_SECONDS"], config["TRANSCODE_MAX_ATTEMPTS"]) == (300, 3)
    assert config["TRANSCODE_SWEEP_MINUTES"] == 1
    assert config["JOBS_SQLITE_PATH"] == "/srv/instance/jobs.db"
    assert config["JOBS_QUEUE_NAME"] == "storefront"


@pytest.mark.parametrize(
    ("value", "ladder"),
    [
        ("360,720", [(360, 800, 96), (720, 2800, 128)]),
        ("1080p, 360p", [(360, 800, 96), (1080, 5000, 160)]),  # order and "p" do not matter
        ("480", [(480, 1500, 96)]),  # scaled from the 720 rung
        ("480:1100:128,720:2500", [(480, 1100, 128), (720, 2500, 128)]),
    ],
)
def test_the_ladder_is_read_from_heights_or_full_rungs(value, ladder):
    assert load_config({"TRANSCODE_LADDER": value})["TRANSCODE_LADDER"] == ladder


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRANSCODE_LADDER": "720,hd"}, "TRANSCODE_LADDER: 'hd'"),
        ({"TRANSCODE_LADDER": "721"}, "even height"),
        ({"TRANSCODE_LADDER": "360:0"}, "TRANSCODE_LADDER"),
        ({"TRANSCODE_LADDER": "8640"}, "TRANSCODE_LADDER"),
        ({"TRANSCODE_PRESET": "warp"}, "TRANSCODE_PRESET"),
        ({"TRANSCODE_SEGMENT_SECONDS": "0"}, "TRANSCODE_SEGMENT_SECONDS"),
        ({"TRANSCODE_STALE_SECONDS": "soon"}, "TRANSCODE_STALE_SECONDS"),
        ({"TRANSCODE_SWEEP_MINUTES": "60"}, "TRANSCODE_SWEEP_MINUTES"),
    ],
)
def test_bad_pipeline_settings_stop_the_start(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(env)
