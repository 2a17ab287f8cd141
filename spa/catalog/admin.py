from django.contrib import admin

from spa.catalog.models import (
    Product,
    Resource,
    Service,
    ServiceCategory,
    ServicePrice,
    ServiceRule,
    StockLevel,
    StockMovement,
)
from spa.catalog.services import stock_move


class ServicePriceInline(admin.TabularInline):
    model = ServicePrice
    extra = 1


class ServiceRuleInline(admin.TabularInline):
    model = ServiceRule
    extra = 1


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "duration_minutes", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["resources"]
    inlines = [ServicePriceInline, ServiceRuleInline]


admin.site.register(ServiceCategory)
admin.site.register(Resource)


class StockLevelInline(admin.TabularInline):
    """Read-only: levels change only through stock movements (the ledger)."""

    model = StockLevel
    extra = 0
    readonly_fields = ["branch", "quantity"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "kind", "unit", "is_active"]
    list_filter = ["kind", "is_active", "allergens"]
    search_fields = ["name", "sku"]
    filter_horizontal = ["allergens"]
    inlines = [StockLevelInline]


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """Receiving goods or correcting a count adds a movement; movements are never edited."""

    list_display = ["at", "product", "branch", "delta", "reason", "batch", "by"]
    list_filter = ["reason", "branch"]
    fields = ["product", "branch", "delta", "reason", "batch", "note"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = stock_move(
            actor=request.user, product=obj.product, branch=obj.branch, delta=obj.delta,
            reason=obj.reason, batch=obj.batch, note=obj.note,
        )  # fmt: skip
        obj.pk = saved.pk
