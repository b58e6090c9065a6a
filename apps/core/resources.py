"""Import/export of reference data, addressed by code (never by database id)."""

from import_export import resources

from apps.core.models import Currency, Locale


class LocaleResource(resources.ModelResource):
    class Meta:
        model = Locale
        import_id_fields = ("code",)
        fields = ("code", "name", "is_active")
        skip_unchanged = True
        report_skipped = True


class CurrencyResource(resources.ModelResource):
    class Meta:
        model = Currency
        import_id_fields = ("code",)
        fields = ("code", "name", "decimal_places", "is_active")
        skip_unchanged = True
        report_skipped = True
