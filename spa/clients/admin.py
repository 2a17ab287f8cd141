from django.contrib import admin

from spa.clients.models import (
    Allergen,
    Client,
    ClientGroup,
    ClientSource,
    CustomFieldDefinition,
    Tag,
)
from spa.clients.selectors import clients_visible_to


@admin.register(Allergen)
class AllergenAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "name_zh", "is_active"]
    search_fields = ["code", "name_vi", "name_en", "name_zh"]


@admin.register(CustomFieldDefinition)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "position", "is_active"]


admin.site.register(Tag)
admin.site.register(ClientGroup)
admin.site.register(ClientSource)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    """Read-only: profiles change through the app's pages, which write the audit history."""

    list_display = ["full_name", "primary_phone", "branch", "tier", "created_at"]
    list_filter = ["branch", "tier"]
    show_full_result_count = False
    fields = ["full_name", "primary_phone", "branch", "tier", "created_at", "merged_into"]
    readonly_fields = fields

    def get_queryset(self, request):
        return clients_visible_to(request.user, include_merged=True).select_related("branch")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
