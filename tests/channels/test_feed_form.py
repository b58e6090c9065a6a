"""Saving a feed in the admin: as a channel manager, the whole change form as a browser posts it."""

from html.parser import HTMLParser

from guardian.shortcuts import assign_perm

from apps.channels.models import Feed
from apps.core.models import Role
from tests.core.factories import UserFactory


class _Form(HTMLParser):
    """The values a browser would post from the first form of an admin change page."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(
                attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")
            )
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select].append(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data


def test_a_channel_manager_saves_a_feed_in_the_admin(client, feeds):
    manager = UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])
    assign_perm("core.manage_channel", manager, feeds.shop.google)
    client.force_login(manager)
    url = f"/admin/channels/feed/{feeds.google.pk}/change/"
    form = _Form()
    form.feed(client.get(url).content.decode())
    data = {k: v for k, v in form.data.items() if k != "csrfmiddlewaretoken"}
    data["link_template"] = ["https://shop.example/p/{sku}?utm=google"]
    data["cron"] = ["*/15 * * * *"]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    feed = Feed.objects.get(pk=feeds.google.pk)
    assert feed.link_template.endswith("utm=google") and feed.schedule.crontab.minute == "*/15"
    data["cron"] = ["every minute"]
    response = client.post(url, data)
    assert response.status_code == 200 and "five fields" in response.content.decode()


def test_a_cron_with_a_field_out_of_range_is_refused_on_its_field(client, feeds):
    """ "61 * * * *" has five fields but no minute 61: beat would fail on it at every tick."""
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    url = f"/admin/channels/feed/{feeds.google.pk}/change/"
    form = _Form()
    form.feed(client.get(url).content.decode())
    data = {k: v for k, v in form.data.items() if k != "csrfmiddlewaretoken"}
    data["cron"] = ["61 * * * *"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "61" in response.content.decode() and "errorlist" in response.content.decode()
    assert Feed.objects.get(pk=feeds.google.pk).schedule is None
