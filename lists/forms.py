"""Forms for lists and imports: input parsing only (rules live in lists.services.items)."""

import re

from django import forms

from cards.enums import Finish
from cards.models import Card
from cards.selectors import tradable_cards
from lists.enums import Condition, ImportFormat, Language, ListKind
from lists.importers.csv_formats import MAPPABLE_FIELDS

LABEL_PATTERN = re.compile(r"^(?P<name>.+?) \((?P<set>[A-Za-z0-9]+) (?P<number>[^)]+)\)$")


class ListItemFieldsMixin(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=9999, initial=1)
    condition = forms.ChoiceField(choices=Condition.choices)
    finish = forms.ChoiceField(choices=Finish.choices, initial=Finish.NONFOIL)
    language = forms.ChoiceField(choices=Language.choices, initial=Language.ENGLISH)
    note = forms.CharField(max_length=200, required=False)
    max_price = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, required=False, label="Max price", help_text="Optional"
    )
    min_trade_value = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, required=False, label="Min trade value", help_text="Optional"
    )
    trade_for_wants_only = forms.BooleanField(required=False, label="Trade for my wants only")
    any_printing = forms.BooleanField(
        required=False, label="Any printing", help_text="Any printing of this card will do, not only the one picked."
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == ListKind.HAVE:
            del self.fields["max_price"]
            del self.fields["any_printing"]
            self.fields["condition"].initial = Condition.NEAR_MINT
        else:
            del self.fields["min_trade_value"]
            del self.fields["trade_for_wants_only"]
            self.fields["condition"].initial = Condition.LIGHTLY_PLAYED
            self.fields["condition"].label = "Worst condition"


NOT_TRADABLE = "This printing is not tradable (digital-only, or a token, emblem or art card)."


class ListItemAddForm(ListItemFieldsMixin):
    card = forms.IntegerField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label="Card", max_length=300, required=False, help_text="Type a name and pick the printing.")
    field_order = ["q", "card", "quantity", "condition", "finish", "language"]

    def clean(self):
        """Resolve the picked card; without JavaScript, accept an exact label or a unique name."""
        cleaned = super().clean()
        card = None
        if cleaned.get("card"):
            card = Card.objects.filter(pk=cleaned["card"]).first()
            if card is not None and not card.tradable:
                self.add_error("q", NOT_TRADABLE)
                cleaned["card_object"] = None
                return cleaned
        elif query := (cleaned.get("q") or "").strip():
            match = LABEL_PATTERN.match(query)
            if match:
                card = (
                    tradable_cards()
                    .filter(name__iexact=match["name"], set_code__iexact=match["set"], collector_number=match["number"])
                    .first()
                )
            else:
                candidates = list(tradable_cards().filter(name__iexact=query)[:2])
                card = candidates[0] if len(candidates) == 1 else None
        if card is None:
            self.add_error("q", "Pick a card from the suggestions.")
        cleaned["card_object"] = card
        return cleaned


class ListItemEditForm(ListItemFieldsMixin):
    pass


class ListSettingsForm(forms.Form):
    haves_public = forms.BooleanField(required=False, label="Show my have list to other traders")
    wants_public = forms.BooleanField(required=False, label="Show my want list to other traders")


FORMAT_CHOICES = [
    ("", "Recognise it from the header"),
    *[c for c in ImportFormat.choices if c[0] != ImportFormat.GENERIC],
]


class ListImportForm(forms.Form):
    kind = forms.ChoiceField(choices=ListKind.choices, label="Import into", widget=forms.RadioSelect)
    file = forms.FileField(
        label="CSV file",
        help_text="A collection export from Deckbox, Moxfield, ManaBox, the TCGplayer app, Dragon Shield, "
        "Archidekt or deckstats, or any CSV with a header row (CSV, UTF-8, up to 20 MB and 200,000 rows).",
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False, label="Format")
    whole_collection = forms.BooleanField(
        required=False,
        label="Import my whole collection as haves",
        help_text="Off: only what the export offers for trade (Deckbox and Moxfield tradelist counts, "
        "Dragon Shield trade quantities, ManaBox binders, not decks or lists).",
    )
    replace_existing = forms.BooleanField(
        required=False, label="Replace the whole list (remove cards that are not in the file)"
    )


MAPPING_LABELS = {
    "name": "Card name",
    "quantity": "Quantity",
    "set_code": "Set code",
    "set_name": "Set name",
    "collector_number": "Collector number",
    "scryfall_id": "Scryfall ID",
    "condition": "Condition",
    "language": "Language",
    "finish": "Foil / finish",
}


class ListImportMappingForm(forms.Form):
    """The column-mapping step for a CSV whose header no format knows."""

    held = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=ListKind.choices, widget=forms.HiddenInput)
    whole_collection = forms.BooleanField(required=False, widget=forms.HiddenInput)
    replace_existing = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "(not in the file)"), *[(column, column) for column in columns]]
        for field in MAPPABLE_FIELDS:
            self.fields[f"map_{field}"] = forms.ChoiceField(
                choices=choices, required=field == "name", label=MAPPING_LABELS[field]
            )
        guesses = {column.lower(): column for column in columns}
        for field in MAPPABLE_FIELDS:
            for guess in (MAPPING_LABELS[field].lower(), field.replace("_", " "), field):
                if guess in guesses:
                    self.fields[f"map_{field}"].initial = guesses[guess]
                    break

    def mapping(self) -> dict[str, str]:
        return {
            field: self.cleaned_data[f"map_{field}"]
            for field in MAPPABLE_FIELDS
            if self.cleaned_data.get(f"map_{field}")
        }

    def mapping_fields(self):
        return [self[f"map_{field}"] for field in MAPPABLE_FIELDS]


class ListImportCommitForm(forms.Form):
    replace_existing = forms.BooleanField(
        required=False, label="Replace the whole list (remove cards that are not in the file)"
    )
