"""Input parsing for the settings page. Rules (ZIP lookup, limits, uniqueness) live in services."""

from django import forms

from .enums import TokenScope
from .models import MAX_TRADE_RADIUS_KM
from .services import MAX_API_TOKEN_DAYS


class SettingsForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="Shown publicly on your profile and in trades.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    country = forms.CharField(
        max_length=2,
        required=False,
        help_text="Two-letter code, e.g. US. Left empty with a ZIP code, we assume US.",
        widget=forms.TextInput(attrs={"autocomplete": "country", "size": 2}),
    )
    postal_code = forms.CharField(
        label="ZIP / postal code",
        max_length=12,
        required=False,
        help_text="US ZIP codes are looked up for you; we only store the area's centre, never your address.",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    latitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90, widget=forms.TextInput
    )
    longitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180, widget=forms.TextInput
    )
    shipping_address = forms.CharField(
        max_length=500,
        required=False,
        help_text="Where trade partners send cards. Shown to the other trader only once escrow is paid.",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    trade_radius_km = forms.IntegerField(
        label="Trade radius (km)",
        min_value=1,
        max_value=MAX_TRADE_RADIUS_KM,
        help_text=f"How far you are willing to travel to trade in person (1-{MAX_TRADE_RADIUS_KM} km).",
    )
    match_with_stores = forms.BooleanField(
        label="Match me with local stores",
        required=False,
        help_text="Shares both your want list and your have list (even private ones) with verified stores "
        "whose area includes your location, so they can see what they stock for you and offer for your cards, "
        "and message you. Your private lists also count toward nearby stores' buylist demand (never by name).",
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=100, help_text="What will use it, e.g. “price spreadsheet”.")
    expires_in_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=MAX_API_TOKEN_DAYS,
        help_text=f"1-{MAX_API_TOKEN_DAYS} days; leave empty for a token that does not expire.",
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=TokenScope.choices,
        initial=TokenScope.FULL,
        required=False,
        help_text="A point-of-sale system needs only “store inventory and syncs”.",
    )

    def clean_scope(self):
        return self.cleaned_data.get("scope") or TokenScope.FULL
