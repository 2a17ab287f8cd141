from django.contrib import admin

from spa.treatments.models import TreatmentPackage, TreatmentSession


class ReadOnlyAdmin(admin.ModelAdmin):
    """The logbook changes only through the app's pages (guard, stock and audit)."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(ReadOnlyAdmin):
    list_display = ["performed_at", "client", "branch", "amount", "status"]
    list_filter = ["branch", "status"]
    list_select_related = ["client", "branch"]
    fields = ["client", "branch", "performed_at", "amount", "status", "satisfaction"]


@admin.register(TreatmentPackage)
class TreatmentPackageAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "client",
        "branch",
        "used_sessions",
        "total_sessions",
        "price",
        "amount_paid",
        "expires_on",
        "status",
    ]
    list_filter = ["branch", "status"]
    list_select_related = ["client", "branch"]
    fields = list_display
