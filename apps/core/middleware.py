import re
import uuid

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation

from apps.core import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Tag each request with an id (the caller's X-Request-ID when sane) that audit rows record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        origin = "api" if request.path.startswith("/api/") else "admin"
        with context.bound(request=request.id, origin=origin):
            response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class UserLanguageMiddleware:
    """Serve a signed-in person in the language saved with their account, whatever the browser says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL character in the path or query string can only be an attack or a bug: answer 400 at once
    (PostgreSQL text cannot hold it, and every lookup by code would fail on it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("QUERY_STRING", "") + request.path
        if "\x00" in raw or "%00" in raw.lower():
            message = "NUL characters are not allowed in URLs"
            if request.path.startswith("/api/"):  # the API's error shape (config/api.py)
                body = {"code": "bad_input", "message": message, "field": None, "details": {}}
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send settings.NOEL_CSP as the Content-Security-Policy of every answer that has none of its own:
    what the browser may load and run on Noel's pages (Django 5.2 has no CSP of its own)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(f"{name} {' '.join(sources)}" for name, sources in settings.NOEL_CSP.items())

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
