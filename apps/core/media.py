"""Media files served from Noel's own origin (`make run`, a local MEDIA_ROOT): never run by a browser.

Every answer says `X-Content-Type-Options: nosniff` and `Content-Security-Policy: default-src 'none';
sandbox` (a file opened directly can load nothing and run nothing); only the picture types the DAM
accepts are shown inline; anything else is a download (`Content-Disposition: attachment`), and a type a
browser could run (HTML, SVG, JavaScript…) goes out as `application/octet-stream`.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.static import serve

INLINE = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff", "image/avif"}
DOWNLOADED = {"application/pdf", "video/mp4", "video/webm", "video/quicktime", "video/x-matroska"}
CSP = "default-src 'none'; sandbox"


def media(request: HttpRequest, path: str) -> HttpResponse:
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    kind = response.get("Content-Type", "").split(";")[0].strip().lower()
    if kind not in INLINE:
        if kind not in DOWNLOADED:
            response["Content-Type"] = "application/octet-stream"
        response["Content-Disposition"] = "attachment"
    return response
