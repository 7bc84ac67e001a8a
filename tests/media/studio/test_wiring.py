"""Storage chosen by config, `flask storage init`, demo films and the French studio pages."""

from __future__ import annotations

import json

import pytest

from storefront.adapters.storage import LocalStorage
from storefront.adapters.storage.s3 import S3Storage
from storefront.config import ConfigError, check_config, load_config
from storefront.extensions import db
from storefront.models import Title, TitleStatus
from tests.storage.conftest import moto_client, rclone_server  # noqa: F401 - fixture


def test_storage_init_checks_local_storage(app, tmp_path):
    storage = app.extensions["storage"]
    assert isinstance(storage, LocalStorage)
    result = app.test_cli_runner().invoke(args=["storage", "init"])
    assert result.exit_code == 0, result.output
    assert "Storage (local) is ready" in result.output and "http://localhost" in result.output
    assert storage.uploads.is_dir()


def test_storage_init_applies_cors_to_the_bucket(backend, app, moto_endpoint):
    if backend != "s3":
        pytest.skip("CORS rules only exist on S3")
    assert isinstance(app.extensions["storage"], S3Storage)
    result = app.test_cli_runner().invoke(
        args=["storage", "init", "--origin", "https://films.example"]
    )
    assert result.exit_code == 0, result.output
    rules = moto_client(moto_endpoint).get_bucket_cors(Bucket=app.config["S3_BUCKET"])["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["https://films.example"]
    assert "PUT" in rules[0]["AllowedMethods"]


@pytest.fixture
def no_cors_bucket(settings: dict, rclone_server) -> None:  # noqa: F811 - fixture
    """The app's storage on rclone, which serves S3 but has no CORS configuration API,
    like some S3-compatible services (request before `app`)."""
    from tests.storage.conftest import rclone_storage_for

    rclone_storage_for(rclone_server, "no-cors").client.create_bucket(Bucket="no-cors")
    settings.update(rclone_server.settings("no-cors"))


def test_storage_init_says_which_cors_settings_to_make_when_the_bucket_refuses(no_cors_bucket, app):
    result = app.test_cli_runner().invoke(
        args=["storage", "init", "--origin", "https://films.example"]
    )
    assert result.exit_code != 0
    assert "Storage is reachable, but setting its CORS rules failed" in result.output
    assert "https://films.example" in result.output
    assert "x-amz-checksum-crc32" in result.output and "S3_PART_CHECKSUMS" in result.output


def test_storage_init_fails_when_the_bucket_keeps_cors_rules_that_refuse_uploads(
    backend, app, moto_endpoint
):
    if backend != "s3":
        pytest.skip("CORS rules only exist on S3")
    # Rules managed outside the app (a console, Terraform) without the checksum header.
    rule = {
        "AllowedOrigins": ["https://films.example"],
        "AllowedMethods": ["PUT", "GET", "HEAD"],
        "AllowedHeaders": ["Content-Type", "Range"],
    }
    moto_client(moto_endpoint).put_bucket_cors(
        Bucket=app.config["S3_BUCKET"], CORSConfiguration={"CORSRules": [rule]}
    )
    runner = app.test_cli_runner()
    origin = ["--origin", "https://films.example"]
    result = runner.invoke(args=["storage", "init", "--keep-cors", *origin])
    assert result.exit_code != 0
    assert "the x-amz-checksum-crc32 header is not allowed" in result.output
    assert "S3_PART_CHECKSUMS" in result.output and "is ready" not in result.output

    assert runner.invoke(args=["storage", "init", *origin]).exit_code == 0
    result = runner.invoke(args=["storage", "init", "--keep-cors", *origin])
    assert result.exit_code == 0, result.output


def test_storage_init_fails_loudly_on_a_missing_bucket(backend, app):
    if backend != "s3":
        pytest.skip("S3 only")
    app.extensions["storage"].bucket = "no-such-bucket-here"
    result = app.test_cli_runner().invoke(args=["storage", "init"])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_production_refuses_s3_without_a_bucket():
    env = {
        "STOREFRONT_ENV": "production",
        "SECRET_KEY": "x" * 48,
        "PAYMENTS_BACKEND": "stripe",
        "STORAGE_BACKEND": "s3",
    }
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        check_config(load_config(env))
    assert load_config({})["MAX_UPLOAD_BYTES"] == 50 * 1000**3


def test_demo_data_adds_its_films_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    titles = db.session.scalars(db.select(Title).order_by(Title.name)).all()
    assert [(t.name, t.status) for t in titles] == [
        ("Between Two Seas", TitleStatus.PUBLISHED),  # the co-production
        ("Salt and Ice", TitleStatus.PUBLISHED),
        ("The Long Winter", TitleStatus.PUBLISHED),
        ("The Polar Night Express", TitleStatus.PUBLISHED),  # taking pre-orders
    ]
    assert {f.value for f in titles[2].facets} == {"documentary", "no", "se", "NO", "SE"}


def test_the_media_tab_speaks_french(filmmaker_client, draft):
    page = filmmaker_client.get(
        f"/studio/{draft.studio.slug}/titles/{draft.id}/media", headers={"Accept-Language": "fr"}
    )
    assert "Choisir le fichier du film" in page.text
    script = page.text.split('id="uploader-messages">', 1)[1].split("</script>", 1)[0]
    messages = json.loads(script)  # the uploader fills in the placeholders
    assert messages["resuming"] == "Reprise\u00a0: %(percent)s déjà envoyés."
