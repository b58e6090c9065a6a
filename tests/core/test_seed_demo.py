from io import StringIO

import pytest
from django.core.management import call_command

from apps.core.demo import DEMO_PASSWORD
from apps.core.models import Role, User

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_login_per_role_and_prints_them():
    out = StringIO()
    call_command("seed_demo", products=0, stdout=out)
    printed = out.getvalue()
    assert DEMO_PASSWORD in printed
    for role in Role:
        holder = User.objects.filter(groups__name=role.value).first()
        assert holder is not None, role
        assert holder.check_password(DEMO_PASSWORD)
        assert holder.username in printed


def test_seed_demo_twice_leaves_existing_accounts_alone():
    call_command("seed_demo", products=0, stdout=StringIO())
    User.objects.filter(username="merchandiser").update(first_name="Changed")
    out = StringIO()
    call_command("seed_demo", products=0, stdout=out)
    assert User.objects.get(username="merchandiser").first_name == "Changed"
    assert "exists, left as it is" in out.getvalue()
