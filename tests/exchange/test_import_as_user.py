"""`import_catalog --user`: the shell imports as a named person, whose rights apply (#36), and an Akeneo
folder's scopes are given to Noel's channels that take no other's values yet."""

import pytest
from django.core.management import CommandError, call_command

from apps.core.models import AuditLog, Channel, Role
from apps.products.models import Product
from tests.core.factories import UserFactory
from tests.exchange import test_akeneo_codes
from tests.products.factories import ChannelFactory

export = test_akeneo_codes.export  # the fixture: a copy of the Akeneo folder to change


def test_a_person_who_may_not_import_the_catalog_is_refused_and_nothing_is_written(db, export):
    UserFactory(username="mallory", roles=[Role.MARKETER])
    with pytest.raises(CommandError, match="mallory may not"):
        call_command("import_catalog", str(export), "--user", "mallory")
    assert not Product.objects.exists()


def test_an_unknown_user_is_refused_by_name(db, export):
    with pytest.raises(CommandError, match="no active user ghost"):
        call_command("import_catalog", str(export), "--user", "ghost")


def test_the_import_runs_as_the_person_and_gives_google_the_ecommerce_scope(db, export, capsys):
    ChannelFactory(code="google", kind=Channel.Kind.GOOGLE, locales=["fr_FR"])
    UserFactory(username="alice", roles=[Role.ADMIN])
    call_command("import_catalog", str(export), "--user", "alice")
    out = capsys.readouterr().out
    assert "channel google now takes the values scoped to ecommerce" in out
    assert Channel.objects.get(code="google").fallbacks == ["ecommerce"]
    assert Channel.objects.get(code="mobile").fallbacks == []
    actors = set(AuditLog.objects.filter(object_type="product").values_list("actor__username", flat=True))
    assert actors == {"alice"}
