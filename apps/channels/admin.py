"""Channel managers' screens: feeds with their schedule and tokens, run history, held-back items, diffs,
"build now" and "preview at". Every write goes through apps.channels.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminSplitDateTimeWidget, UnfoldAdminTextInputWidget

from apps.channels import formats, policies, selectors, services
from apps.channels.models import Feed, FeedIssue, FeedRun, PullToken
from apps.core.admin_mixins import ChannelLimitedAdminMixin, ReadOnlyAdminMixin
from apps.core.instants import instant_validator

RUN_STATUS = {
    "succeeded": "success", "failed": "danger", "running": "info", "cancelled": "warning",
    "flagged": "warning",
}  # fmt: skip


def run_state(run: FeedRun | None) -> tuple[str, str] | str:
    """A run's status in the person's language; a flagged run (nothing or far fewer items published)
    shows as a warning, not a green success."""
    if run is None:
        return "—"
    if run.warning:
        return "flagged", gettext("%(status)s, flagged") % {"status": run.get_status_display()}
    return run.status, run.get_status_display()


class FeedForm(forms.ModelForm):
    cron = forms.CharField(
        label=_("schedule (cron)"),
        required=False,
        help_text=_(
            "minute hour day month weekday, in Noel's time zone, e.g. '*/15 * * * *'; empty: on changes only"
        ),
        widget=UnfoldAdminTextInputWidget(),
    )

    class Meta:
        model = Feed
        fields = [
            "channel", "name", "format", "locale", "category_root", "mapping", "link_template", "sold_out",
            "strip_html", "push_url", "is_active",
        ]  # fmt: skip

    def clean_cron(self) -> str:
        cron = self.cleaned_data.get("cron", "").strip()
        if not cron:
            return ""
        try:
            return services.cron_check(cron)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["cron"]) from exc

    def clean(self):
        """The service's checks, shown on their fields rather than failing once the form was accepted."""
        cleaned = super().clean()
        channel = cleaned.get("channel") or (self.instance.channel if self.instance.pk else None)
        locale = cleaned.get("locale")
        if channel is not None and locale is not None and not channel.locales.filter(pk=locale.pk).exists():
            self.add_error(
                "locale" if "locale" in self.fields else None,
                _("%(channel)s does not serve %(locale)s") % {"channel": channel.code, "locale": locale.code},
            )
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schedule = self.instance.schedule if self.instance.pk else None
        if schedule and schedule.crontab:
            c = schedule.crontab
            self.initial["cron"] = f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"


class RunInline(ReadOnlyAdminMixin, TabularInline):
    model = FeedRun
    fields = ("link", "status", "at", "preview", "published", "held_back", "started_at", "finished_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    ordering = ("-id",)
    verbose_name_plural = _("latest runs")

    def get_queryset(self, request):
        ids = FeedRun.objects.order_by("-id").values_list("pk", flat=True)[:10]
        return super().get_queryset(request).filter(pk__in=list(ids))

    @display(description=_("run"))
    def link(self, obj: FeedRun):
        return format_html(
            '<a href="{}">#{}</a>', reverse("admin:channels_feedrun_change", args=[obj.pk]), obj.pk
        )


class PreviewForm(forms.Form):
    at = forms.SplitDateTimeField(
        label=_("show the feed as it will be at"),
        widget=UnfoldAdminSplitDateTimeWidget(),
        validators=[instant_validator],
    )
    include_awaiting_approval = forms.BooleanField(
        label=_("Include campaigns awaiting approval (as if approved)"),
        required=False,
        help_text=_(
            "To see what a submitted campaign will do; the file the channel pulls never includes them."
        ),
    )


@admin.register(Feed)
class FeedAdmin(ChannelLimitedAdminMixin, ModelAdmin):
    form = FeedForm
    list_display = (
        "__str__", "format", "locale", "serving", "published", "held_back", "flag", "dirty", "last_built",
    )  # fmt: skip
    list_filter = ("channel", "format", "is_active", "dirty")
    list_select_related = ("channel", "current_run")
    search_fields = ("name", "channel__code")
    inlines = [RunInline]
    actions = ["build_now", "new_pull_token"]
    actions_detail = ["build_one", "preview_one"]

    def get_queryset(self, request):
        return policies.visible_feeds(request.user, super().get_queryset(request))

    @display(description=_("serving"), label=RUN_STATUS)
    def serving(self, obj: Feed):
        return run_state(obj.current_run)

    @display(description=_("warning"))
    def flag(self, obj: Feed):
        return (obj.current_run.warning_text() if obj.current_run else "") or "—"

    @display(description=_("published"))
    def published(self, obj: Feed):
        return obj.current_run.published if obj.current_run else "—"

    @display(description=_("held back"))
    def held_back(self, obj: Feed):
        if not obj.current_run or not obj.current_run.held_back:
            return 0
        url = reverse("admin:channels_feedissue_changelist") + f"?run__id__exact={obj.current_run_id}"
        return format_html('<a href="{}">{}</a>', url, obj.current_run.held_back)

    @display(description=_("last built"))
    def last_built(self, obj: Feed):
        return obj.current_run.finished_at if obj.current_run else "—"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        # the form's own fields: the admin's form class also lists `cron`, which is not a feed setting
        settings_ = {key: data[key] for key in FeedForm.Meta.fields if key not in ("channel", "locale")}
        try:
            if change:
                saved = services.feed_update(
                    actor=request.user, feed=obj, locale_id=data["locale"].code, **settings_
                )
            else:
                saved = services.feed_create(
                    actor=request.user, channel=data["channel"], locale=data["locale"].code, **settings_
                )
            if data["cron"]:
                services.feed_schedule_set(actor=request.user, feed=saved, cron=data["cron"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        obj.pk = saved.pk

    def _start(self, request, feed: Feed, **kwargs) -> FeedRun | None:
        if not policies.can_build(request.user, feed.channel):
            self.message_user(
                request, _("You do not manage %(channel)s.") % {"channel": feed.channel}, messages.ERROR
            )
            return None
        run = services.feed_build_start(actor=request.user, feed=feed, **kwargs)
        self.message_user(
            request,
            _("%(feed)s: run #%(run)s %(status)s — %(published)s published, %(held)s held back.")
            % {
                "feed": feed,
                "run": run.pk,
                "status": run.get_status_display().lower(),
                "published": run.published,
                "held": run.held_back,
            },
            messages.SUCCESS if run.status != FeedRun.Status.FAILED else messages.ERROR,
        )
        return run

    @action(description=_("Build now"), permissions=["build"])
    def build_now(self, request, queryset):
        for feed in queryset.select_related("channel"):
            self._start(request, feed)

    @action(description=_("Build now"), url_path="build", permissions=["build"])
    def build_one(self, request, object_id):
        self._start(request, get_object_or_404(self.get_queryset(request), pk=object_id))
        return HttpResponseRedirect(reverse("admin:channels_feed_change", args=[object_id]))

    @action(description=_("Preview at a date and time"), url_path="preview", permissions=["build"])
    def preview_one(self, request, object_id):
        feed = get_object_or_404(self.get_queryset(request).select_related("channel"), pk=object_id)
        form = PreviewForm(request.POST or None, initial={"at": timezone.localtime()})
        if request.method == "POST" and form.is_valid():
            run = self._start(
                request, feed, at=form.cleaned_data["at"], preview=True,
                include_awaiting_approval=form.cleaned_data["include_awaiting_approval"],
            )  # fmt: skip
            if run is not None:
                return HttpResponseRedirect(reverse("admin:channels_feedrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": feed,
            "form": form,
            "title": _("Preview %(feed)s at a future instant") % {"feed": feed},
        }
        return TemplateResponse(request, "admin/channels/feed/preview.html", context)

    @action(description=_("New pull token"), permissions=["add_token"])
    def new_pull_token(self, request, queryset):
        for channel in {feed.channel for feed in queryset.select_related("channel")}:
            if not policies.can_build(request.user, channel):
                continue
            raw = services.pull_token_create(actor=request.user, channel=channel)
            self.message_user(
                request,
                _("Pull token for %(channel)s (shown once, copy it now): %(token)s")
                % {"channel": channel.code, "token": raw},
                messages.WARNING,
            )

    def has_build_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("channels.build_feed")

    def has_add_token_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("channels.add_pulltoken")


@admin.register(FeedRun)
class FeedRunAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = (
        "__str__",
        "state",
        "flag",
        "at",
        "preview",
        "items",
        "published",
        "held_back_link",
        "took",
        "short_sum",
    )
    list_filter = ("feed__channel", "status", "preview")
    list_select_related = ("feed__channel",)
    show_full_result_count = False
    readonly_fields = (
        "feed", "status", "at", "preview", "includes_awaiting_approval", "started_at", "finished_at",
        "chunks", "items", "published", "held_back_link", "dropped", "flag", "checksum", "size", "file_link",
        "diff_link", "error", "started_by", "items_sample",
    )  # fmt: skip
    fields = readonly_fields
    actions_detail = ["cancel"]

    def get_queryset(self, request):
        return policies.visible_runs(request.user, super().get_queryset(request))

    @display(description=_("status"), label=RUN_STATUS)
    def state(self, obj: FeedRun):
        return run_state(obj)

    @display(description=_("warning"))
    def flag(self, obj: FeedRun):
        return obj.warning_text() or "—"

    @display(description=_("held back"))
    def held_back_link(self, obj: FeedRun):
        if not obj.held_back:
            return 0
        url = reverse("admin:channels_feedissue_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.held_back)

    @display(description=_("took"))
    def took(self, obj: FeedRun):
        return f"{obj.duration.total_seconds():.1f} s" if obj.duration else "—"

    @display(description=_("checksum"))
    def short_sum(self, obj: FeedRun):
        return obj.checksum[:12]

    @display(description=_("file"))
    def file_link(self, obj: FeedRun):
        if not obj.file:
            return "—"
        url = reverse("admin:channels_feedrun_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a> ({} bytes)', url, obj.feed.file_name, obj.size)

    @display(description=_("first items of the file"))
    def items_sample(self, obj: FeedRun):
        sample = selectors.run_items(obj)
        if not sample.rows:
            return "—"
        head = format_html_join("", "<th>{}</th>", ((c,) for c in sample.columns))
        body = format_html_join(
            "",
            "<tr>{}</tr>",
            ((format_html_join("", "<td>{}</td>", ((v,) for v in row)),) for row in sample.rows),
        )
        return format_html('<table class="noel-items"><tr>{}</tr>{}</table>', head, body)

    @display(description=_("compared with the previous run"))
    def diff_link(self, obj: FeedRun):
        if not obj.file:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:channels_feedrun_diff", args=[obj.pk]), _("diff")
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="channels_feedrun_download",
            ),
            path("<int:pk>/diff/", self.admin_site.admin_view(self.diff_view), name="channels_feedrun_diff"),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int):
        run = get_object_or_404(self.get_queryset(request).select_related("feed"), pk=pk)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        if not run.file:
            raise Http404
        return FileResponse(
            default_storage.open(run.file, "rb"),
            as_attachment=True,
            filename=run.feed.file_name,
            content_type=formats.FORMATS[run.feed.format].content_type,
        )

    def diff_view(self, request: HttpRequest, pk: int):
        run = get_object_or_404(self.get_queryset(request).select_related("feed__channel"), pk=pk)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        candidates = run.feed.runs.exclude(pk=run.pk).exclude(file="").order_by("-id")
        other_id = request.GET.get("against")
        other = (
            candidates.filter(pk=other_id).first() if other_id else candidates.filter(pk__lt=run.pk).first()
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": run,
            "other": other,
            "candidates": candidates[:20],
            "diff": services.feed_runs_diff(other, run) if other else None,
            "title": _("What changed in %(run)s") % {"run": run},
        }
        return TemplateResponse(request, "admin/channels/feedrun/diff.html", context)

    @action(description=_("Cancel this build"), url_path="cancel", permissions=["build"])
    def cancel(self, request, object_id):
        run = get_object_or_404(self.get_queryset(request).select_related("feed__channel"), pk=object_id)
        if policies.can_build(request.user, run.feed.channel) and services.feed_run_cancel(
            actor=request.user, run=run
        ):
            self.message_user(request, _("Cancelled; the previous file keeps serving."), messages.WARNING)
        else:
            self.message_user(request, _("This build had already finished."), messages.INFO)
        return HttpResponseRedirect(reverse("admin:channels_feedrun_change", args=[object_id]))

    def has_build_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("channels.build_feed")

    def get_actions_detail(self, request, object_id):
        """ "Cancel" is offered only while the run is running (its address still answers afterwards, saying
        the build had already finished)."""
        actions = super().get_actions_detail(request, object_id)
        running = str(object_id).isdigit() and (
            self.get_queryset(request).filter(pk=object_id, status=FeedRun.Status.RUNNING).exists()
        )
        return actions if running else [a for a in actions if a.action_name != "channels_feedrun_cancel"]


class RunsShown(admin.SimpleListFilter):
    """By default the items each feed's current run holds back (an item once, not once per run); every
    run's on request, or the one run a link names."""

    title = _("runs")
    parameter_name = "runs"

    def lookups(self, request, model_admin):
        return [("all", _("every run"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("latest run of each feed"),
        }
        yield {
            "selected": self.value() == "all",
            "query_string": changelist.get_query_string({self.parameter_name: "all"}),
            "display": _("every run"),
        }

    def queryset(self, request, queryset):
        if self.value() == "all" or any(key.startswith("run__") for key in request.GET):
            return queryset
        return queryset.filter(
            run_id__in=Feed.objects.filter(current_run__isnull=False).values("current_run_id")
        )


@admin.register(FeedIssue)
class FeedIssueAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("sku_link", "field", "rule", "reason", "run")
    list_filter = (RunsShown, "run__feed__channel", "rule", "field")
    list_select_related = ("run__feed__channel",)
    search_fields = ("sku",)
    show_full_result_count = False

    def get_queryset(self, request):
        return policies.visible_issues(request.user, super().get_queryset(request))

    def get_fields(self, request, obj=None):
        return ["run", "sku", "product", "field", "rule", "reason"]

    @display(description=_("message"))
    def reason(self, obj: FeedIssue) -> str:
        return obj.readable_message

    @display(description=_("item"), ordering="sku")
    def sku_link(self, obj: FeedIssue):
        if not obj.product_id:
            return obj.sku
        url = reverse("admin:products_product_change", args=[obj.product_id])
        return format_html('<a class="text-primary-600 underline" href="{}">{}</a>', url, obj.sku)


@admin.register(PullToken)
class PullTokenAdmin(ChannelLimitedAdminMixin, ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("channel", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("channel",)
    list_select_related = ("channel",)
    actions = ["revoke"]

    @action(description=_("Revoke"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True).select_related("channel"):
            services.pull_token_revoke(actor=request.user, token=token)
        self.message_user(request, _("Revoked."), messages.SUCCESS)

    def has_revoke_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("channels.add_pulltoken")
