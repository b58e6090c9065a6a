"""Every admin URL, admin action and API operation, tried as every role (plus a merchandiser limited to
one category tree, a channel manager limited to one channel, and each token scope), against the written
model in apps/core/access_model.py. A URL, action or operation the model gives no verdict fails."""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.core import access_model
from apps.core.models import Channel, Role, User
from tests import access_matrix as m

pytestmark = pytest.mark.django_db


def _catalog_objects() -> SimpleNamespace:
    """The demo catalog (two products), one object of every registered model, the limited people."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile
    from django_celery_beat.models import ClockedSchedule, SolarSchedule
    from django_celery_results.models import GroupResult, TaskResult

    from apps.assets.models import Asset
    from apps.campaigns.models import Campaign
    from apps.channels.models import Feed, FeedIssue, FeedRun
    from apps.core.models import ImportJob
    from apps.core.services import api_token_create, user_create
    from apps.products.models import Category, Product
    from apps.quality.models import Finding, ProductScore

    call_command("seed_demo", products=2, stdout=StringIO())
    now = timezone.now()
    AccessAttempt.objects.create(username="x", ip_address="192.0.2.1", user_agent="t", failures_since_start=1)
    AccessLog.objects.create(username="x", ip_address="192.0.2.1", user_agent="t")
    AccessFailureLog.objects.create(username="x", ip_address="192.0.2.1", user_agent="t", locked_out=False)
    SolarSchedule.objects.create(event="sunrise", latitude=48.8, longitude=2.3)
    ClockedSchedule.objects.create(clocked_time=now)
    TaskResult.objects.create(task_id="matrix-task")
    GroupResult.objects.create(group_id="matrix-group")
    admin = User.objects.get(username="admin")
    integrator = User.objects.get(username="integrator")
    api_token_create(actor=None, user=integrator, name="matrix", scopes=["read"], channels=None)
    product = Product.objects.order_by("pk").first()
    job = ImportJob(kind="prices", name="prices.csv", created_by=User.objects.get(username="merchandiser"))
    job.file.save("prices.csv", ContentFile(b"sku,channel,currency,amount\n"), save=False)
    job.save()
    google = Channel.objects.get(code="google")
    Finding.objects.create(
        rule="matrix",
        category="content",
        severity="warning",
        product=product,
        message="m",
        first_seen=now,
        last_seen=now,
    )
    ProductScore.objects.create(product=product, checked_at=now)
    feed = Feed.objects.filter(channel=google).first()
    from django.core.files.storage import default_storage

    built = default_storage.save("feeds/matrix.xml", ContentFile(b"<rss/>"))
    run = FeedRun.objects.create(feed=feed, status="succeeded", at=now, finished_at=now, file=built)
    FeedIssue.objects.create(run=run, sku=product.sku, product=product, field="f", rule="r", message="m")
    from apps.assist.models import AssistJob, ChannelStyle, GlossaryTerm, Suggestion

    merchandiser = User.objects.get(username="merchandiser")
    suggestion = Suggestion.objects.create(
        product=product, attribute="description", locale="en_GB", channel=google.code, kind="draft",
        text="matrix", base_version=product.version, provider="matrix", current_text="",
    )  # fmt: skip
    AssistJob.objects.create(kind="draft", locale="en_GB", created_by=merchandiser)
    ChannelStyle.objects.create(channel=google, tone="factual")
    GlossaryTerm.objects.create(locale_id="en_GB", term="Noël", do_not_translate=True)
    from apps.events.models import Delivery, WebhookEndpoint

    # an integrator's endpoint hearing Google (outside W's channel), at an address that is not public: a
    # test event sent through the matrix is refused at once, without leaving the machine
    endpoint = WebhookEndpoint.objects.create(
        name="matrix", url="http://192.0.2.1/hooks", secret="whsec_bWF0cml4", created_by=integrator
    )
    endpoint.channels.set([google])
    delivery = Delivery.objects.create(
        endpoint=endpoint, message_id="msg_matrix", type="price.changed", subject="m"
    )

    # A merchandiser limited to a subtree that holds none of the catalog's sample objects, a channel manager
    # limited to `web` (the samples are Google's).
    mine = Category.objects.filter(code__in=product.categories)
    ancestors = {c.pk for c in mine} | {a.pk for c in mine for a in c.get_ancestors()}
    other = Category.objects.exclude(pk__in=ancestors).filter(depth__gt=1).order_by("code").first()
    team = user_create(username="team_merchandiser", password="x-matrix-9", roles=[Role.MERCHANDISER])
    assign_perm("products.edit_products_in", team, other)
    limited = user_create(username="channel_limited", password="x-matrix-9", roles=[Role.CHANNEL_MANAGER])
    assign_perm("core.manage_channel", limited, Channel.objects.get(code="web"))

    users = {
        "merchandiser": "merchandiser",
        "marketer": "marketer",
        "approver": "approver",
        "channel_manager": "channels",
        "integrator": "integrator",
        "store_staff": "store",
        "admin": "admin",
        "team_merchandiser": "team_merchandiser",
        "channel_limited_manager": "channel_limited",
        "integrator_read": "integrator",
        "integrator_web": "integrator",
    }
    tokens = {}
    for principal, (username, scopes, channels) in access_model.API_PRINCIPALS.items():
        user = User.objects.get(username=users[username])
        chosen = list(Channel.objects.filter(code__in=channels)) if channels else None
        # Noel issues no token to store staff: theirs is one issued while the person was an integrator,
        # kept after they moved to the store, which the API must still refuse.
        roles = list(user.groups.all())
        if user.username == "store":
            user.groups.set(Group.objects.filter(name=Role.INTEGRATOR.value))
            user = User.objects.get(pk=user.pk)  # its rights read again
        tokens[principal] = api_token_create(
            actor=None, user=user, name=principal, scopes=scopes, channels=chosen
        )[1]
        user.groups.set(roles)

    objects = {}
    from django.contrib.admin.sites import site

    samples = {
        "products.product": product,
        "core.channel": google,
        "channels.feed": feed,
        "channels.feedrun": run,
        "core.user": admin,
        "core.importjob": job,
        "events.webhookendpoint": endpoint,
        "events.delivery": delivery,
    }
    for model in site._registry:
        label = model._meta.label_lower
        obj = samples.get(label) or model._default_manager.order_by("pk").first()
        assert obj is not None, f"the matrix catalog has no {label}: add one in _catalog_objects"
        objects[label] = obj
    return SimpleNamespace(
        objects=objects,
        users={
            p: User.objects.get(username=u) for p, u in users.items() if p in access_model.ADMIN_PRINCIPALS
        },
        tokens=tokens,
        product=product,
        channel=google,
        feed=feed,
        run=run,
        asset=Asset.objects.order_by("pk").first(),
        campaign=Campaign.objects.order_by("pk").first(),
        suggestion=suggestion,
        endpoint=endpoint,
        delivery=delivery,
    )


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, inside a transaction rolled back at its end."""
    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        objects = _catalog_objects()
        objects.media_root = media
        yield objects
        transaction.set_rollback(True)


@pytest.fixture
def unrendered(monkeypatch):
    """The verdict is the view's: the template a view answers with is not drawn (most of a page's time)."""
    from django.template.response import SimpleTemplateResponse

    monkeypatch.setattr(SimpleTemplateResponse, "rendered_content", property(lambda self: ""))


def _letters(roles: str) -> set[str]:
    return {access_model.LETTERS[c] for c in roles if c != "-"}


def _verdicts(actual: dict, expected: dict) -> list[str]:
    wrong = []
    for key, verdict in sorted(actual.items()):
        if key not in expected:
            wrong.append(f"{key}: no verdict in apps/core/access_model.py")
        elif verdict != expected[key]:
            wrong.append(f"{key}: {verdict}, the model says {expected[key]}")
    return wrong


def test_every_admin_page_answers_each_principal_as_the_model_says(catalog, unrendered, settings):
    settings.MEDIA_ROOT = catalog.media_root
    login = resolve_url(settings.LOGIN_URL)
    urls = m.admin_urls(catalog.objects)
    actual, expected = {}, {}
    for principal in access_model.ADMIN_PRINCIPALS:
        client = Client()
        client.force_login(catalog.users[principal])
        for url in urls:
            response = m.rolled_back(client.get, url.path)
            if response.status_code == 405:  # a view that only acts: asked as its form would
                response = m.rolled_back(client.post, url.path)
            actual[(url.model, url.view, principal)] = m.classify_page(response, login, url.path)
            roles = access_model.ADMIN.get(url.model, {}).get(url.view)
            if roles is not None:
                allowed = principal in _letters(roles)
                expected[(url.model, url.view, principal)] = "allowed" if allowed else "denied"
    wrong = _verdicts(actual, expected)
    assert not wrong, "\n".join(wrong)


def test_every_admin_action_is_offered_as_the_model_says(catalog):
    """An action runs through its changelist: offered = the changelist opens and get_actions() lists it."""
    wrong = []
    for model, model_admin in m.registered_admins():
        label = model._meta.label_lower
        declared = m.all_action_names()[label]
        written = access_model.ADMIN.get(label, {}).get("actions", {})
        for name in sorted(declared - {"delete_selected"} - set(written)):
            wrong.append(f"{label} action {name}: no verdict in apps/core/access_model.py")
        lister = _letters(access_model.ADMIN.get(label, {}).get("changelist", "-"))
        for principal in access_model.ADMIN_PRINCIPALS:
            offered = m.admin_actions(model_admin, catalog.users[principal]) if principal in lister else set()
            offered.discard("delete_selected")  # follows the delete verdict, checked with the delete page
            meant = {name for name, roles in written.items() if principal in _letters(roles)}
            if offered != meant:
                wrong.append(
                    f"{label} {principal}: offered {sorted(offered)}, the model says {sorted(meant)}"
                )
    assert not wrong, "\n".join(wrong)


def test_every_api_operation_answers_each_token_as_the_model_says(catalog, settings):
    settings.MEDIA_ROOT = catalog.media_root
    actual, expected = {}, {}
    for method, path in m.api_operations():
        op = f"{method} {path}"
        for principal in access_model.API_PRINCIPALS:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {catalog.tokens[principal]}"}
            response = m.rolled_back(m.api_request, Client(), method, path, catalog, headers)
            actual[(op, principal)] = m.classify_api(response)
            if op in access_model.API:
                allowed = principal in _letters(access_model.API[op])
                expected[(op, principal)] = "allowed" if allowed else "denied"
    wrong = _verdicts(actual, expected)
    assert not wrong, "\n".join(wrong)


def test_the_model_names_only_what_exists(catalog):
    """A verdict for a page, action or operation that is gone is a stale line of the model."""
    pages = {(u.model, u.view) for u in m.admin_urls(catalog.objects)}
    written = {
        (model, view) for model, views in access_model.ADMIN.items() for view in views if view != "actions"
    }
    actions = m.all_action_names()
    stale = sorted(written - pages)
    stale += [
        (model, name)
        for model, views in access_model.ADMIN.items()
        for name in views.get("actions", {})
        if name not in actions.get(model, set())
    ]
    stale += sorted(set(access_model.API) - {f"{mth} {p}" for mth, p in m.api_operations()})
    assert not stale, stale


def test_the_docs_table_is_the_model():
    from apps.core.access_table import roles_section

    text = (settings.BASE_DIR / "docs" / "access.md").read_text()
    assert roles_section() in text, "docs/access.md is not the model: paste `python manage.py access_table`"
