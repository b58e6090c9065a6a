"""The REST API, /api/v1/: each app's router under its prefix, one error shape for every failure:
{"code", "message", "field", "details"}; 400 bad input, 401, 403, 404, 409 version conflict,
422 rule violation, 428 missing If-Match, 429 over the rate (with Retry-After)."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaError

from apps.assets.api import router as assets_router
from apps.assist.api import router as assist_router
from apps.campaigns.api import router as campaigns_router
from apps.channels.api import router as channels_router
from apps.core.api import router as core_router
from apps.core.api_auth import StaffSessionAuth, TokenAuth, TokenRateThrottle
from apps.core.api_schema import BodyParser
from apps.core.batches import BatchRejected
from apps.events.api import feed_router as events_feed_router
from apps.events.api import router as webhooks_router
from apps.inventory.api import router as inventory_router
from apps.pricing.api import router as pricing_router
from apps.products.api import reference_router as catalog_reference_router
from apps.products.api import router as products_router
from apps.products.services import VersionConflict
from apps.quality.api import router as quality_router

_ERROR = {
    "title": "Error",
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "details": {"type": "object"},
    },
    "required": ["code", "message", "field", "details"],
}
# The failures every operation may answer, in the error shape below (404: the path, a filter or the body
# names an object that is not there); 409, 422 and 428 where the operation writes.
_ANSWERS = {
    400: "Bad input: a parameter or a field of the body is malformed (named in `field`).",
    401: "No valid credentials: give `Authorization: Bearer noel_…`.",
    403: "The token lacks the scope, or its person the permission, or a session write lacks its CSRF token.",
    429: "Over the rate: retry after the seconds in Retry-After.",
}
_NOT_FOUND = "No object with that code (or not one the caller may see)."
_REFUSED = "A business rule refused the change (409 version conflict, 428 If-Match missing)."


class NoelAPI(NinjaAPI):
    """The API, its OpenAPI document declaring the error answers each operation may give."""

    def get_openapi_schema(self, *args, **kwargs):
        document = super().get_openapi_schema(*args, **kwargs)
        document.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in document["paths"].values():
            for method, operation in operations.items():
                answers = {**_ANSWERS, 404: _NOT_FOUND}
                if method in ("post", "put", "patch", "delete"):
                    answers.update({409: _REFUSED, 422: _REFUSED, 428: _REFUSED})
                for status, description in answers.items():
                    if status not in operation["responses"] and str(status) not in operation["responses"]:
                        operation["responses"][status] = {"description": description, "content": error}
        return document


api = NoelAPI(
    title="Noel API",
    version="1",
    description="Catalog, prices, stock, campaigns and feeds, addressed by code. Authenticate with "
    "`Authorization: Bearer noel_…` (tokens are issued in the admin) or the admin's session.",
    urls_namespace="api-v1",
    auth=[TokenAuth(), StaffSessionAuth()],
    throttle=[TokenRateThrottle(settings.NOEL_API_RATE)],
    parser=BodyParser(),
)
api.add_router("/", core_router)
api.add_router("/", catalog_reference_router)
api.add_router("/products", products_router)
api.add_router("/prices", pricing_router)
api.add_router("/stock", inventory_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/assets", assets_router)
api.add_router("/channels", channels_router)
api.add_router("/quality", quality_router)
api.add_router("/suggestions", assist_router)
api.add_router("/events", events_feed_router)
api.add_router("/webhooks", webhooks_router)


_LOCATIONS = {"body", "query", "path", "header", "cookie", "filters", "payload"}


def error(request, status: int, code: str, message: str, field: str | None = None, details=None):
    body = {"code": code, "message": message, "field": field, "details": details or {}}
    return api.create_response(request, body, status=status)


@api.exception_handler(SchemaError)
def bad_input(request, exc: SchemaError):
    first = exc.errors[0] if exc.errors else {}
    field = ".".join(str(part) for part in first.get("loc", []) if part not in _LOCATIONS) or None
    return error(request, 400, "bad_input", first.get("msg", "invalid input"), field, {"errors": exc.errors})


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return error(request, 401, "unauthenticated", "give a valid token: Authorization: Bearer noel_…")


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return error(request, 403, "forbidden", str(exc) or "not allowed")


@api.exception_handler(Http404)
def not_found(request, exc):
    return error(request, 404, "not_found", str(exc) or "not found")


@api.exception_handler(ObjectDoesNotExist)
def missing_object(request, exc):
    return error(request, 404, "not_found", str(exc) or "not found")


@api.exception_handler(ValidationError)
def rule_violation(request, exc: ValidationError):
    if isinstance(exc, VersionConflict):
        return error(
            request,
            409,
            "version_conflict",
            exc.messages[0],
            "version",
            {"current_version": exc.product.version, "changed": exc.changed},
        )
    if isinstance(exc, BatchRejected):
        lines = [{"index": e.index, "sku": e.sku, "field": e.field, "message": e.message} for e in exc.errors]
        return error(
            request,
            422,
            "batch_rejected",
            f"{len(lines)} invalid line(s); nothing was applied",
            None,
            {"lines": lines},
        )
    issues = getattr(exc, "issues", None)
    if issues:
        details = [
            {"attribute": i.attribute, "locale": i.locale, "channel": i.channel, "message": i.reason}
            for i in issues
        ]
        return error(request, 422, "invalid_values", str(issues[0]), issues[0].attribute, {"values": details})
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return error(request, 422, "rule_violation", messages[0], field, exc.message_dict)
    return error(request, 422, "rule_violation", exc.messages[0], None, {"messages": exc.messages})


@api.exception_handler(Throttled)
def throttled(request, exc: Throttled):
    return error(request, 429, "rate_limited", "too many requests; retry after the delay in Retry-After")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return error(request, exc.status_code, "error", str(exc))
