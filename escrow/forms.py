"""Escrow forms: opening a dispute (reason + images), its messages, and staff's resolution."""

from django import forms
from django.conf import settings

from .enums import DisputeOutcome
from .services import DISPUTE_TEXT_MAX


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files under one name; each is checked by its content in escrow.evidence."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = []
        for item in files:
            cleaned.append(super().clean(item, initial))
        return cleaned


class DisputeOpenForm(forms.Form):
    reason = forms.CharField(
        label="What went wrong?",
        max_length=DISPUTE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Staff read this and both sides' messages before they decide.",
    )
    evidence = MultipleImageField(
        label="Photos (optional)",
        required=False,
        help_text=(
            f"Up to {settings.DISPUTE_EVIDENCE_MAX_FILES} JPEG, PNG or WebP images, "
            f"{settings.DISPUTE_EVIDENCE_MAX_BYTES // (1024 * 1024)} MB each. Only the other trader and staff see them."
        ),
    )


class DisputeMessageForm(forms.Form):
    body = forms.CharField(label="Message", max_length=DISPUTE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


AT_FAULT_CHOICES = [("payer", "The payer"), ("payee", "The payee"), ("neither", "Neither")]


class DisputeResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=DisputeOutcome.choices, widget=forms.RadioSelect)
    released_amount = forms.DecimalField(
        label="Split: to the payee", required=False, max_digits=12, decimal_places=2, min_value=0
    )
    refunded_amount = forms.DecimalField(
        label="Split: back to the payer", required=False, max_digits=12, decimal_places=2, min_value=0
    )
    at_fault = forms.ChoiceField(label="Party found at fault", choices=AT_FAULT_CHOICES, widget=forms.RadioSelect)
    resolution = forms.CharField(
        label="Written resolution (both traders read it)",
        max_length=DISPUTE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def at_fault_user_id(self, escrow) -> int | None:
        return {"payer": escrow.payer_id, "payee": escrow.payee_id}.get(self.cleaned_data["at_fault"])
