import zoneinfo
from decimal import Decimal

from django import forms

from core.errors import DomainError

from .enums import WEEKDAYS, SyncMode, SyncProvider
from .models import MAX_SERVICE_RADIUS_KM
from .services.profiles import validate_hours
from .sync.formats import GENERIC_FIELD_LABELS, GENERIC_FIELDS

US_TIMEZONES = [
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Mountain, no DST (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
]


def timezone_choices() -> list:
    us = {name for name, _ in US_TIMEZONES}
    others = sorted(name for name in zoneinfo.available_timezones() if name not in us and "/" in name)
    return [("United States", US_TIMEZONES), ("Everywhere else", [(name, name.replace("_", " ")) for name in others])]


TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class StoreForm(forms.Form):
    """The plan's store fields with an hours editor: one opening and closing time per weekday."""

    store_name = forms.CharField(label="Store name", max_length=255)
    store_address = forms.CharField(label="Street address", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    store_city = forms.CharField(label="City", max_length=100, required=False)
    store_state = forms.CharField(label="State", max_length=50, required=False)
    store_postal = forms.CharField(
        label="ZIP / postal code", max_length=20, required=False, help_text="A US ZIP code places the store on the map."
    )
    store_country = forms.CharField(label="Country", max_length=2, initial="US", help_text="Two letters, e.g. US")
    latitude = forms.DecimalField(label="Latitude", required=False, max_digits=10, decimal_places=8)
    longitude = forms.DecimalField(label="Longitude", required=False, max_digits=11, decimal_places=8)
    store_phone = forms.CharField(label="Phone", max_length=20, required=False)
    store_website = forms.URLField(label="Website", max_length=500, required=False, assume_scheme="https")
    timezone = forms.ChoiceField(label="Time zone", initial="America/New_York")
    service_radius_km = forms.IntegerField(
        label="Service radius (km)",
        min_value=1,
        max_value=MAX_SERVICE_RADIUS_KM,
        initial=40,
        help_text="How far your customers come from; used for local matching.",
    )
    offers_buylist = forms.BooleanField(label="We buy cards (buylist)", required=False)
    offers_trades = forms.BooleanField(label="We trade cards", required=False, initial=True)
    offers_events = forms.BooleanField(label="We run events (Friday Night Magic, prereleases…)", required=False)
    trade_in_bonus_pct = forms.DecimalField(
        label="Trade-in credit bonus (%)", min_value=0, max_value=100, decimal_places=2, initial=Decimal("0")
    )
    auto_price_adjustment = forms.BooleanField(
        label="Price my stock automatically from the market price", required=False, initial=False
    )
    price_adjustment_pct = forms.DecimalField(
        label="Adjustment to market (%)",
        min_value=-90,
        max_value=200,
        decimal_places=2,
        initial=Decimal("0"),
        help_text="e.g. 10 = market + 10 %, −5 = market − 5 %. Your feed prices stay as imported.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()
        for day in WEEKDAYS:
            self.fields[f"{day}_open"] = forms.TimeField(
                label=f"{day.capitalize()} opens", required=False, widget=TIME_INPUT
            )
            self.fields[f"{day}_close"] = forms.TimeField(
                label=f"{day.capitalize()} closes", required=False, widget=TIME_INPUT
            )

    @property
    def hours_rows(self):
        return [(day.capitalize(), self[f"{day}_open"], self[f"{day}_close"]) for day in WEEKDAYS]

    @classmethod
    def initial_for(cls, store) -> dict:
        initial = {name: getattr(store, name) for name in cls.base_fields}
        for day in WEEKDAYS:
            span = (store.hours or {}).get(day) or {}
            initial[f"{day}_open"] = span.get("open")
            initial[f"{day}_close"] = span.get("close")
        return initial

    def clean(self):
        cleaned = super().clean()
        hours = {}
        for day in WEEKDAYS:
            opens, closes = cleaned.get(f"{day}_open"), cleaned.get(f"{day}_close")
            if opens is None and closes is None:
                continue
            if opens is None or closes is None:
                self.add_error(
                    f"{day}_open" if opens is None else f"{day}_close", "Give both times, or neither (closed)."
                )
                continue
            span = {"open": opens.strftime("%H:%M"), "close": closes.strftime("%H:%M")}
            if span["close"] == "00:00":
                span["close"] = "24:00"
            try:
                validate_hours({day: span})
            except DomainError as error:
                self.add_error(f"{day}_close", error.message)
                continue
            hours[day] = span
        cleaned["hours"] = hours
        return cleaned

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.base_fields}
        data["hours"] = self.cleaned_data["hours"]
        return data


FORM_FIELD_FOR = {"hours": "monday_open", "store_postal": "store_postal"}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    field = FORM_FIELD_FOR.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


class SyncUploadForm(forms.Form):
    file = forms.FileField(label="Inventory file (CSV)")
    provider = forms.ChoiceField(label="Format", choices=SyncProvider.choices)
    mode = forms.ChoiceField(label="Mode", choices=SyncMode.choices, initial=SyncMode.FULL, widget=forms.RadioSelect)


class SyncSettingsForm(forms.Form):
    provider = forms.ChoiceField(label="Format of the feed", choices=[("", "—"), *SyncProvider.choices], required=False)
    mode = forms.ChoiceField(label="Mode", choices=SyncMode.choices, initial=SyncMode.FULL)
    sync_url = forms.URLField(
        label="Feed URL (https)",
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text="Fetched on your schedule. Private and local network addresses are refused.",
    )
    sync_auth_header = forms.CharField(
        label="Auth header",
        required=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="e.g. Authorization: Bearer abc123. Never shown again; leave empty to keep the saved one.",
    )
    clear_auth_header = forms.BooleanField(label="Remove the saved auth header", required=False)
    sync_interval_minutes = forms.IntegerField(
        label="Fetch every (minutes)",
        required=False,
        min_value=15,
        max_value=7 * 24 * 60,
        help_text="15 minutes to 7 days; empty = no schedule.",
    )

    def service_data(self) -> dict:
        data = self.cleaned_data
        header = "" if data["clear_auth_header"] else (data["sync_auth_header"] or None)
        return {
            "provider": data["provider"],
            "mode": data["mode"],
            "sync_url": data["sync_url"],
            "sync_auth_header": header,
            "sync_interval_minutes": data["sync_interval_minutes"],
        }


class MappingSampleForm(forms.Form):
    file = forms.FileField(label="A sample of your CSV (only its header row is read)")


class MappingForm(forms.Form):
    """One select per field, offering the columns of the sample file."""

    def __init__(self, *args, columns: list[str], initial_mapping: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"] = forms.CharField(widget=forms.HiddenInput, initial="\x1f".join(columns))
        choices = [("", "— not in my file —"), *((column, column) for column in columns)]
        lowered = {column.lower(): column for column in columns}
        for name in GENERIC_FIELDS:
            guess = (
                (initial_mapping or {}).get(name)
                or lowered.get(GENERIC_FIELD_LABELS[name].lower())
                or lowered.get(name.replace("_", " "))
            )
            self.fields[name] = forms.ChoiceField(
                label=GENERIC_FIELD_LABELS[name], choices=choices, required=False, initial=guess or ""
            )

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in GENERIC_FIELDS if self.cleaned_data.get(name)}


class InventoryItemEditForm(forms.Form):
    quantity = forms.IntegerField(min_value=0, max_value=100_000)
    price = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(choices=[])

    def __init__(self, *args, actions: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = list(actions.items())

    def item_ids(self) -> list[int]:
        return [int(value) for value in self.data.getlist("items") if str(value).isdigit()][:1000]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (the owner reads this)", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class BuylistRulesForm(forms.Form):
    """The smart buylist's rules. Card lists name cards by id (shown on each card's page), one a line."""

    buy_pct = forms.DecimalField(
        label="Buy % of market (near mint, cash)", min_value=1, max_value=100, decimal_places=2
    )
    max_qty_per_card = forms.IntegerField(label="Max copies per card", min_value=1, max_value=1000)
    hotlist_bonus_pct = forms.DecimalField(label="Hotlist bonus (+%)", min_value=0, max_value=100, decimal_places=2)
    mult_NM = forms.DecimalField(label="NM", min_value=0, max_value=1, decimal_places=2)
    mult_LP = forms.DecimalField(label="LP", min_value=0, max_value=1, decimal_places=2)
    mult_MP = forms.DecimalField(label="MP", min_value=0, max_value=1, decimal_places=2)
    mult_HP = forms.DecimalField(label="HP", min_value=0, max_value=1, decimal_places=2)
    mult_DMG = forms.DecimalField(label="DMG", min_value=0, max_value=1, decimal_places=2)
    hotlist = forms.CharField(
        label="Hotlist (card ids, one a line)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    darklist = forms.CharField(
        label="Darklist (card ids, one a line)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    fixed = forms.CharField(
        label='Fixed prices ("card id price", one a line)', required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    CONDITIONS = ("NM", "LP", "MP", "HP", "DMG")

    @classmethod
    def initial_for(cls, rules, card_rules: dict) -> dict:
        initial = {
            "buy_pct": rules.buy_pct,
            "max_qty_per_card": rules.max_qty_per_card,
            "hotlist_bonus_pct": rules.hotlist_bonus_pct,
            "hotlist": "\n".join(str(pk) for pk in card_rules["hot"]),
            "darklist": "\n".join(str(pk) for pk in card_rules["dark"]),
            "fixed": "\n".join(f"{pk} {price}" for pk, price in card_rules["fixed"].items()),
        }
        for condition in cls.CONDITIONS:
            initial[f"mult_{condition}"] = rules.condition_multipliers.get(condition, "0")
        return initial

    def _card_ids(self, name: str) -> list[int]:
        from cards.models import Card

        ids = []
        for line in self.cleaned_data.get(name, "").split():
            if not line.isdigit():
                raise forms.ValidationError({name: f"“{line[:20]}” is not a card id."})
            ids.append(int(line))
        known = set(Card.objects.filter(pk__in=ids).values_list("pk", flat=True))
        unknown = [pk for pk in ids if pk not in known]
        if unknown:
            raise forms.ValidationError({name: f"No card with id {unknown[0]}."})
        return list(dict.fromkeys(ids))

    def clean(self):
        from decimal import Decimal, InvalidOperation

        from cards.models import Card

        cleaned = super().clean()
        if self.errors:
            return cleaned
        fixed = {}
        for line in cleaned.get("fixed", "").splitlines():
            if not line.strip():
                continue
            parts = line.split()
            try:
                if len(parts) != 2 or not parts[0].isdigit():
                    raise InvalidOperation
                price = Decimal(parts[1])
                if price < 0 or price > Decimal("999999"):
                    raise InvalidOperation
            except InvalidOperation:
                raise forms.ValidationError(
                    {"fixed": f"“{line[:30]}”: write a card id and a price, e.g. 123 4.50."}
                ) from None
            fixed[int(parts[0])] = price.quantize(Decimal("0.01"))
        missing = set(fixed) - set(Card.objects.filter(pk__in=list(fixed)).values_list("pk", flat=True))
        if missing:
            raise forms.ValidationError({"fixed": f"No card with id {min(missing)}."})
        cleaned["card_rules"] = {"hot": self._card_ids("hotlist"), "dark": self._card_ids("darklist"), "fixed": fixed}
        return cleaned

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "buy_pct": data["buy_pct"],
            "max_qty_per_card": data["max_qty_per_card"],
            "hotlist_bonus_pct": data["hotlist_bonus_pct"],
            "condition_multipliers": {c: str(data[f"mult_{c}"]) for c in self.CONDITIONS},
            "card_rules": data["card_rules"],
        }


class StoreMessageForm(forms.Form):
    body = forms.CharField(label="Message", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class QuoteSendForm(forms.Form):
    body = forms.CharField(
        label="Note to the store (optional)", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportForm(forms.Form):
    reason = forms.CharField(label="What is wrong with this message?", max_length=500)
