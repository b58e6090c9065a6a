import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("noel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _poll_the_embedded_broker_often(sender, **_kwargs) -> None:
    """kombu's SQLAlchemy transport (`make run`'s broker) polls, and pauses a second whenever the worker's
    slots are full: two tasks a second, so the demo's 600 quality checks held the feed builds back for
    five minutes. Its transport options go to SQLAlchemy's create_engine, hence the class attribute; set
    when a worker starts, not at import, which would read the settings before a script has set them up."""
    if sender.app.conf.broker_url.startswith("sqla+"):
        from kombu.transport import sqlalchemy

        sqlalchemy.Transport.polling_interval = 0.1
