from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, User, UserReputation
from .services import api_token_revoke, reputation_recompute


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "account_type", "business_verified", "is_staff", "date_joined")
    list_filter = ("account_type", "business_verified", "is_staff", "is_active")
    search_fields = ("username", "email", "business_name", "postal_code")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            "Bazaar",
            {
                "fields": (
                    "account_type",
                    "business_name",
                    "business_verified",
                    "country",
                    "postal_code",
                    "latitude",
                    "longitude",
                    "trade_radius_km",
                    "match_with_stores",
                )
            },
        ),
    )


@admin.register(UserReputation)
class UserReputationAdmin(admin.ModelAdmin):
    list_display = ("user", "reputation_tier", "reputation_score", "completed_trades", "review_average", "computed_at")
    list_filter = ("reputation_tier",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = [f.name for f in UserReputation._meta.fields]
    actions = ["recompute"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Recompute score and tier")
    def recompute(self, request, queryset):
        for reputation in queryset.select_related("user"):
            reputation_recompute(user=reputation.user)
        self.message_user(request, f"Recomputed {queryset.count()} reputation(s).")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    search_fields = ("name", "user__username", "prefix")
    list_select_related = ("user",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    readonly_fields = ("user", "prefix", "key_hash", "last_used_at", "revoked_at", "expires_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are created by their owners, who alone see the secret

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        active = list(queryset.filter(revoked_at__isnull=True).select_related("user"))
        for token in active:
            api_token_revoke(user=token.user, token_id=token.pk)
        self.message_user(request, f"Revoked {len(active)} token(s).")
