"""The authorisation matrix, enumerated from what Noel serves: every admin URL of every registered
ModelAdmin (changelist, add, change, delete, history, the views its get_urls() adds, object-permission
pages), every admin action, every operation of the OpenAPI schema; each tried as every principal and
classified as allowed or denied. tests/core/test_access_matrix.py compares the result with the written
model, apps/core/access_model.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse

SITE_URLS = {str(p.pattern) for p in admin.ModelAdmin(admin.models.LogEntry, site).get_urls()}
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class AdminUrl:
    model: str  # app_label.modelname
    view: str  # changelist, add, change, delete, history, or the custom route
    path: str


def registered_admins():
    return sorted(site._registry.items(), key=lambda item: item[0]._meta.label_lower)


def admin_urls(objects: dict) -> list[AdminUrl]:
    """One URL per admin view of every registered model, built around the catalog's object of it."""
    urls = []
    for model, model_admin in registered_admins():
        label = model._meta.label_lower
        info = (model._meta.app_label, model._meta.model_name)
        obj = objects[label]
        urls.append(AdminUrl(label, "changelist", reverse("admin:{}_{}_changelist".format(*info))))
        urls.append(AdminUrl(label, "add", reverse("admin:{}_{}_add".format(*info))))
        for view in ("change", "delete", "history"):
            urls.append(AdminUrl(label, view, reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk])))
        base = reverse("admin:{}_{}_changelist".format(*info))
        for pattern in model_admin.get_urls():
            route = str(pattern.pattern)
            if route in SITE_URLS or (
                route.startswith("<path:object_id>/")
                and route.split("/", 1)[1]
                in {
                    "",
                    "history/",
                    "delete/",
                    "change/",
                }
            ):
                continue
            values = {"user_id": objects["core.user"].pk, "group_id": objects["auth.group"].pk, "": obj.pk}
            filled = _PARAM.sub(lambda match, v=values: str(v.get(match.group(1), v[""])), route)
            path = base + filled.lstrip("^").rstrip("$")
            urls.append(AdminUrl(label, route, path))
    return urls


def admin_actions(model_admin, user) -> set[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return set(model_admin.get_actions(request))


def all_action_names() -> dict[str, set[str]]:
    """Every action a ModelAdmin declares, whoever may see it (the site-wide ones included)."""
    names = {}
    for model, model_admin in registered_admins():
        declared = {name for _func, name, _desc in model_admin._get_base_actions()}
        names[model._meta.label_lower] = declared
    return names


def classify_page(response, login_url: str, path: str = "") -> str:
    """allowed: 2xx, or a redirect staying in the admin; denied: 401/403/404, a redirect to the login page
    or to the admin's home (Django's answer for an object hidden from the person)."""
    status = response.status_code
    if 200 <= status < 300:
        return "allowed"
    if status in (401, 403, 404):
        return "denied"
    if status in (301, 302, 303):
        location = response["Location"]
        if location.startswith(login_url) or location.rstrip("/") == reverse("admin:index").rstrip("/"):
            return "denied"
        return "allowed"
    raise AssertionError(f"{path}: unexpected answer {status}: {response.content[:300]!r}")


def classify_api(response) -> str:
    """denied: 401, 403, 404 (an object the principal may not see); anything else reached the operation
    (2xx, or a refusal of the request's content: 400, 409, 422, 428)."""
    status = response.status_code
    if status >= 500:
        raise AssertionError(f"{status}: {response.content[:300]!r}")
    return "denied" if status in (401, 403, 404) else "allowed"


def api_operations() -> list[tuple[str, str]]:
    from config.api import api

    schema = api.get_openapi_schema()
    return sorted((m.upper(), p) for p, ops in schema["paths"].items() for m in ops)


def api_request(client: Client, method: str, path: str, catalog, headers: dict):
    """Call one operation with the catalog's objects in its path and a body it can take."""
    values = {
        "sku": catalog.product.sku,
        "code": catalog.campaign.code if path.startswith("/api/v1/campaigns") else catalog.channel.code,
        "asset_id": catalog.asset.pk,
        "run_id": catalog.run.pk,
        "name": catalog.feed.name,
        "suggestion_id": catalog.suggestion.pk,
        "endpoint_id": catalog.endpoint.pk,
        "delivery_id": catalog.delivery.pk,
    }
    url = re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), path)
    bodies = {
        ("POST", "/api/v1/products"): {"sku": "MATRIX-NEW", "family": catalog.product.family.code},
        ("PATCH", "/api/v1/products/{sku}"): {"version": catalog.product.version},
        ("POST", "/api/v1/products/{sku}/submit"): {},
        ("POST", "/api/v1/products/{sku}/approve"): {"comment": "matrix"},
        ("POST", "/api/v1/products/{sku}/reject"): {"comment": "matrix"},
        ("POST", "/api/v1/prices/batch"): {"lines": []},
        ("POST", "/api/v1/stock/batch"): {"lines": []},
        ("POST", "/api/v1/assets/{asset_id}/links"): {"sku": catalog.product.sku},
        ("POST", "/api/v1/channels/{code}/feeds/{name}/build"): {"preview": True},
        ("POST", "/api/v1/suggestions"): {
            "sku": catalog.product.sku,
            "attribute": "description",
            "locale": "en_GB",
            "channel": catalog.channel.code,
            "text": "matrix",
            "only_empty": False,
        },
        ("POST", "/api/v1/suggestions/{suggestion_id}/accept"): {},
        ("POST", "/api/v1/suggestions/{suggestion_id}/reject"): {"reason": "matrix"},
        ("POST", "/api/v1/webhooks"): {
            "url": "https://hooks.example.com/noel",
            "event_types": ["price.changed"],
        },
        ("PATCH", "/api/v1/webhooks/{endpoint_id}"): {"name": "matrix"},
        ("POST", "/api/v1/webhooks/{endpoint_id}/rotate-secret"): {},
        ("POST", "/api/v1/webhooks/{endpoint_id}/test"): {},
        ("POST", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"): {},
        ("POST", "/api/v1/webhooks/{endpoint_id}/resend"): {"since": "2026-01-01T00:00:00+01:00"},
    }
    if method == "GET":
        return client.get(url, **headers)
    if method == "DELETE":
        return client.delete(url, **headers)
    if (method, path) == ("POST", "/api/v1/assets"):
        upload = SimpleUploadedFile("matrix.txt", b"not a picture", content_type="text/plain")
        return client.post(url, {"file": upload}, **headers)
    assert (method, path) in bodies, f"{method} {path}: give it a body in tests/access_matrix.py"
    call = getattr(client, method.lower())
    return call(url, bodies[(method, path)], content_type="application/json", **headers)


def rolled_back(call, *args):
    """Run a request in a savepoint rolled back after it: the catalog stays as built."""
    with transaction.atomic():
        response = call(*args)
        transaction.set_rollback(True)
    return response
