from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from apps.core import selectors, services


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Load balancers and `make run` ask this; 503 names the part that is down."""
    checks = {"database": selectors.database_health(), "broker": selectors.broker_health()}
    body = {name: ("ok" if error is None else error) for name, error in checks.items()}
    healthy = all(error is None for error in checks.values())
    body["status"] = "ok" if healthy else "down"
    return JsonResponse(body, status=200 if healthy else 503)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also keeps the choice with the signed-in person's account."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return response
