"""Forms for proposals, messages, trades and reviews. They parse input; the services decide."""

from decimal import Decimal

from django import forms

from trades.selectors import ProposalFormData

CASH_NONE, CASH_I_ADD, CASH_I_ASK = "none", "add", "ask"


class ProposalForm(forms.Form):
    """Quantities per have item (mine: `offer_<id>`, theirs: `request_<id>`), cash one way, a message."""

    cash_direction = forms.ChoiceField(
        label="Cash",
        choices=[(CASH_NONE, "No cash"), (CASH_I_ADD, "I add cash"), (CASH_I_ASK, "I ask for cash")],
        initial=CASH_NONE,
        widget=forms.RadioSelect,
    )
    cash_amount = forms.DecimalField(
        label="Cash amount (USD)", min_value=Decimal("0"), max_digits=12, decimal_places=2, required=False
    )
    message = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, items: ProposalFormData, selected: dict[str, dict[int, int]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        selected = selected or {"offer": {}, "request": {}}
        for prefix, pickables in (("offer", items.mine), ("request", items.theirs)):
            for pickable in pickables:
                have = pickable.have
                name = f"{prefix}_{have.pk}"
                self.fields[name] = forms.IntegerField(
                    label=f"Quantity of {have.card.name}",
                    min_value=0,
                    max_value=pickable.available,
                    required=False,
                    initial=min(selected[prefix].get(have.pk, 0), pickable.available),
                    widget=forms.NumberInput(attrs={"class": "qty-input", "inputmode": "numeric"}),
                )
                pickable.field_name = name

    def rows(self, prefix: str):
        pickables = self.items.mine if prefix == "offer" else self.items.theirs
        return [(pickable, self[pickable.field_name]) for pickable in pickables]

    def clean(self):
        data = super().clean()
        direction = data.get("cash_direction") or CASH_NONE
        amount = data.get("cash_amount") or Decimal("0")
        if direction != CASH_NONE and amount <= 0:
            self.add_error("cash_amount", "Enter the amount of cash, or choose “No cash”.")
        return data

    def picks(self, prefix: str) -> dict[int, int]:
        chosen = {}
        for name, value in self.cleaned_data.items():
            if name.startswith(f"{prefix}_") and value:
                chosen[int(name.split("_", 1)[1])] = value
        return chosen

    def cash(self) -> tuple[Decimal, Decimal]:
        """(cash from me, cash from them)."""
        direction = self.cleaned_data.get("cash_direction") or CASH_NONE
        amount = self.cleaned_data.get("cash_amount") or Decimal("0")
        if direction == CASH_I_ADD:
            return amount, Decimal("0")
        if direction == CASH_I_ASK:
            return Decimal("0"), amount
        return Decimal("0"), Decimal("0")


class DeclineForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", max_length=500, required=False)


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Write a message…"})
    )


class TradeCancelForm(forms.Form):
    reason = forms.CharField(label="What went wrong?", max_length=500, required=False)


RATING_CHOICES = [(str(n), str(n)) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    overall = forms.TypedChoiceField(label="Overall", choices=RATING_CHOICES, coerce=int)
    communication = forms.TypedChoiceField(label="Communication", choices=RATING_CHOICES, coerce=int)
    packaging = forms.TypedChoiceField(label="Packaging", choices=RATING_CHOICES, coerce=int)
    accuracy = forms.TypedChoiceField(label="Accuracy (cards as described)", choices=RATING_CHOICES, coerce=int)
    speed = forms.TypedChoiceField(label="Speed", choices=RATING_CHOICES, coerce=int)
    comment = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
