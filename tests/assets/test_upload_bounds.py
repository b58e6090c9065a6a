"""Asset uploads are bounded before they are read: size, and for a ZIP its entries, inflated size and
compression ratio (#40). A refusal says why and stores nothing."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.assets import services
from apps.assets.models import Asset
from apps.core.models import Role
from tests.api_helpers import bearer, token_for
from tests.assets.factories import picture
from tests.core.test_upload_bounds import zip_of_zeros

pytestmark = pytest.mark.django_db


def test_a_zip_bomb_is_refused_from_its_table_of_contents(catalog, settings):
    bomb = zip_of_zeros(24, 8 * 1024 * 1024)  # 192 MB of zeros in a few hundred kB
    started = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        services.assets_upload_zip(actor=None, name="shoot.zip", data=bomb)
    assert time.perf_counter() - started < 2
    assert "unpacks to more than 100 times its packed size" in refused.value.messages[0]
    assert not Asset.objects.exists()


def test_the_admin_refuses_a_zip_with_too_many_files(catalog, client, settings):
    settings.NOEL_ARCHIVE_MAX_ENTRIES = 3
    client.force_login(catalog.merchandiser)
    response = client.post(
        "/admin/assets/asset/upload/",
        {"files": [SimpleUploadedFile("shoot.zip", zip_of_zeros(4, 10))]},
        follow=True,
    )
    assert (
        "shoot.zip: 4 files inside, more than the 3 allowed; nothing was stored" in response.content.decode()
    )
    assert not Asset.objects.exists()


def test_the_admin_refuses_a_file_over_the_limit_on_its_size(catalog, client, settings):
    settings.NOEL_ASSET_MAX_BYTES = 1000
    client.force_login(catalog.merchandiser)
    response = client.post(
        "/admin/assets/asset/upload/",
        {"files": [SimpleUploadedFile("big.jpg", picture(400, 400))]},
        follow=True,
    )
    assert "big.jpg:" in response.content.decode() and "is over the size limit" in response.content.decode()
    assert not Asset.objects.exists()


def test_the_api_refuses_a_file_over_the_limit_with_422(catalog, client, settings):
    settings.NOEL_ASSET_MAX_BYTES = 1000
    token = bearer(token_for(roles=(Role.MERCHANDISER,), username="margot-api"))
    response = client.post(
        "/api/v1/assets", {"file": SimpleUploadedFile("big.jpg", picture(400, 400))}, **token
    )
    assert response.status_code == 422 and response.json()["field"] == "file"
    assert "is over the size limit" in response.json()["message"] and not Asset.objects.exists()
