from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from apps.channels import views as channel_views
from apps.core import media as media_views
from apps.core import views as core_views
from config.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("feeds/<slug:channel>/<str:file>", channel_views.feed_pull, name="feed_pull"),
    path("store/", include("apps.stores.urls")),
]

if settings.DEBUG:
    # nosniff, a sandboxing CSP, and a download for anything but a picture (apps/core/media.py)
    urlpatterns += static(settings.MEDIA_URL, view=media_views.media)
