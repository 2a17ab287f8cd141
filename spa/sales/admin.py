from django.contrib import admin

from spa.sales.models import Invoice, LoyaltyProgram, Voucher


@admin.register(LoyaltyProgram)
class LoyaltyProgramAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not LoyaltyProgram.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = ["code", "percent", "amount", "valid_until", "used", "max_uses"]
    readonly_fields = ["used"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read-only: an issued invoice is never edited (a correction is a credit note)."""

    list_display = ["issued_at", "branch", "number", "kind", "client", "total", "debt_created"]
    list_filter = ["branch", "kind"]
    list_select_related = ["branch", "client"]
    show_full_result_count = False
    fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
