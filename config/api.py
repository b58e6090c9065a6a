"""The REST API, /api/v1/: each app's router mounted under its own prefix."""

from ninja import NinjaAPI
from ninja.security import django_auth

from apps.core.api import router as core_router

api = NinjaAPI(
    title="Noel API",
    version="1",
    description="Catalog, prices, stock, campaigns and feeds, addressed by code.",
    urls_namespace="api-v1",
    auth=django_auth,
)
api.add_router("/", core_router)
