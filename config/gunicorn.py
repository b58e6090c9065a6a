"""gunicorn's settings for the Procfile's web process (production): `gunicorn --config config/gunicorn.py
config.wsgi`. Any other gunicorn option can be given in GUNICORN_CMD_ARGS (e.g. "--timeout 60")."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
# The proxy addresses whose X-Forwarded-* headers gunicorn believes (comma-separated; "*" for any).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The access log, with any `?token=` (feed pull tokens) blanked.
logger_class = "apps.core.logs.GunicornLogger"
