from django import forms

from .enums import Rarity
from .selectors import MOVERS_WINDOWS


class CardSearchForm(forms.Form):
    """The search box and filters; read from the query string so results are linkable."""

    q = forms.CharField(label="Card name", required=False, max_length=200)
    set = forms.CharField(label="Set code", required=False, max_length=10)
    rarity = forms.ChoiceField(label="Rarity", required=False, choices=[("", "Any rarity"), *Rarity.choices])
    min_price = forms.DecimalField(
        label="Min price (USD)", required=False, min_value=0, max_digits=12, decimal_places=2
    )
    max_price = forms.DecimalField(
        label="Max price (USD)", required=False, min_value=0, max_digits=12, decimal_places=2
    )

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "Max price must be at least the min price.")
        return cleaned


class MoversForm(forms.Form):
    window = forms.ChoiceField(label="Window", required=False, choices=[(w, w) for w in MOVERS_WINDOWS])
    min_price = forms.DecimalField(
        label="Min price (USD)", required=False, min_value=0, max_digits=12, decimal_places=2
    )
