from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from spa.accounts.models import Branch, SpaSettings, User
from spa.core.access import is_owner

# The admin is the owner's settings room; every other role is kept out of it, so
# the access rules of the client pages cannot be side-stepped here.
admin.site.has_permission = lambda request: is_owner(request.user)
admin.site.site_header = "Spa"


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "phone", "is_active"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "branch", "is_active"]
    list_filter = ["role", "branch", "is_active"]
    fieldsets = UserAdmin.fieldsets + ((None, {"fields": ("role", "branch", "language")}),)
    add_fieldsets = UserAdmin.add_fieldsets + ((None, {"fields": ("role", "branch", "language")}),)


@admin.register(SpaSettings)
class SpaSettingsAdmin(admin.ModelAdmin):
    list_display = ["name", "technicians_see_minimum", "health_reconfirm_days"]

    def has_add_permission(self, request):
        return not SpaSettings.objects.exists()
