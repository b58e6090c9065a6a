"""The import jobs' pages: upload → checked by a dry run (preview with every bad row explained) → confirm →
applied by Celery. The job is a core model (`core.ImportJob`): its pages keep their addresses."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminSelectWidget

from apps.core.models import ImportJob
from apps.core.sheets import CsvWriter
from apps.exchange import jobs


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), widget=UnfoldAdminSelectWidget)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (; or , separated, UTF-8) or XLSX, with a header row"),
        # Unfold's script writes the chosen file's name into the text input next to the file input: its
        # own widget holds that input, else the script fills the form's first text field
        widget=UnfoldAdminFileFieldWidget,
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows"),
        required=False,
        help_text=_("Import the valid rows and list the others; by default one bad row refuses the file"),
    )
    location = forms.ChoiceField(
        label=_("Stock location"),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=_(
            "Shopify's product CSV only: the Noel stock location that receives its Variant Inventory Qty"
            " (Inventory quantity); without one, stock is not imported"
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [(kind, i) for kind, i in jobs.importers.items() if user.has_perm(i.permission)]
        self.fields["kind"].choices = [(kind, importer.label) for kind, importer in allowed]
        locations = {}
        for _kind, importer in allowed:
            if importer.choices is not None:
                locations.update(importer.choices(user).get("location", []))
        self.fields["location"].choices = [("", _("None: stock is not imported")), *locations.items()]


@admin.register(ImportJob)
class ImportJobAdmin(ModelAdmin):
    """Upload → checked by a dry run (preview with every bad row explained) → confirm → applied by Celery."""

    list_display = ("created_at", "kind", "name", "status", "created_by")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(created_by=request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "<int:pk>/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="core_importjob_confirm",
            ),
            path(
                "<int:pk>/errors.csv",
                self.admin_site.admin_view(self.errors_view),
                name="core_importjob_errors",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                job = jobs.import_job_create(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    skip_invalid=form.cleaned_data["skip_invalid"],
                    options={"location": location} if (location := form.cleaned_data["location"]) else {},
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("admin:core_importjob_change", job.pk)
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("Import a file")}  # fmt: skip
        return TemplateResponse(request, "admin/core/importjob/upload.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(self.get_queryset(request), pk=object_id)
        running = job.status in (ImportJob.Status.PREVIEWING, ImportJob.Status.RUNNING)
        result = job.report or job.preview
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(job),
            "job": job,
            "running": running,
            "progress": jobs.job_progress(job) if running else None,
            "result": result,
            "errors": result.get("errors", [])[:200],
            "warnings": result.get("warnings", [])[:200],
            "can_confirm": job.status == ImportJob.Status.PREVIEWED and job.created_by_id == request.user.pk,
        }
        return TemplateResponse(request, "admin/core/importjob/detail.html", context)

    def confirm_view(self, request, pk: int):
        job = get_object_or_404(self.get_queryset(request), pk=pk)
        if request.method == "POST":
            try:
                jobs.import_job_confirm(actor=request.user, job=job)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return redirect("admin:core_importjob_change", job.pk)

    def errors_view(self, request, pk: int):
        """The refused rows as a CSV file, to fix them in a spreadsheet and import them again, then the
        cells imported with a warning (a picture the archive lacked)."""
        job = get_object_or_404(self.get_queryset(request), pk=pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        writer = CsvWriter(response, delimiter=";")
        writer.writerow(["row", "column", "sku", "value", "reason", "kind"])
        result = job.report or job.preview
        for kind, rows in (
            (_("refused"), result.get("errors", [])),
            (_("warning"), result.get("warnings", [])),
        ):
            for row in rows:
                writer.writerow([row["row"], row["column"], row["sku"], row["value"], row["reason"], kind])
        return response
