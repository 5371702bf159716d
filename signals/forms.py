"""HTML forms for signals. They only shape input for the widgets; the services hold the rules
(entry price, target direction, dates, rationale length, visibility rights) and their errors
are put back on these fields."""

from django import forms

from cards.enums import Finish

from .enums import SignalAction, SignalVisibility
from .services import RATIONALE_MAX, RATIONALE_MIN


class SignalEditForm(forms.Form):
    target_price = forms.DecimalField(
        label="Target price (USD)",
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0.01,
        help_text="BUY: above the entry price. SELL: below it. HOLD: optional.",
    )
    target_date = forms.DateField(
        label="Target date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="1 to 180 days from today. The signal is evaluated on that day.",
    )
    rationale = forms.CharField(
        label="Rationale",
        min_length=RATIONALE_MIN,
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Why you expect this ({RATIONALE_MIN}–{RATIONALE_MAX:,} characters).",
    )
    visibility = forms.ChoiceField(label="Who can see it", choices=SignalVisibility.choices, widget=forms.RadioSelect)

    def __init__(self, *args, visibility_options=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.visibility_options = visibility_options or []

    def apply_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class SignalCreateForm(SignalEditForm):
    q = forms.CharField(label="Card", required=False, max_length=200)
    card = forms.IntegerField(required=False, widget=forms.HiddenInput)
    finish = forms.ChoiceField(label="Finish", choices=Finish.choices, initial=Finish.NONFOIL)
    action = forms.ChoiceField(label="Call", choices=SignalAction.choices, widget=forms.RadioSelect)

    field_order = ["q", "card", "finish", "action", "target_price", "target_date", "rationale", "visibility"]

    def clean(self):
        data = super().clean()
        if not data.get("card"):
            self.add_error("q", "Choose a card from the list.")
        return data
