"""The schema documents errors the way docs/api.md says, for every operation, without per-view boilerplate."""

import pytest
from django.core.management import call_command
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import error_responses

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for route, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {route}", operation


def test_the_schema_is_valid_and_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_error_answer_uses_the_error_component(schema):
    wrong = [
        f"{label} {status}"
        for label, operation in _operations(schema)
        for status, response in operation["responses"].items()
        if status >= "400"
        and response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref") != ERROR_REF
    ]
    assert wrong == []


def test_errors_follow_from_what_the_operation_takes(schema):
    gaps = []
    for label, operation in _operations(schema):
        statuses = set(operation["responses"])
        locations = {parameter["in"] for parameter in operation.get("parameters", [])}
        expected = {"429"}
        if "query" in locations or "requestBody" in operation:
            expected.add("400")
        if "path" in locations:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"413", "415"}
        if not expected <= statuses:
            gaps.append(f"{label}: missing {sorted(expected - statuses)}")
        if not statuses & {"401", "403"}:
            gaps.append(f"{label}: documents neither 401 nor 403")
    assert gaps == []


def test_signed_in_operations_document_401_and_403_public_ones_only_401(schema):
    me = schema["paths"]["/api/v1/me/"]["get"]["responses"]
    card = schema["paths"]["/api/v1/cards/{id}/"]["get"]["responses"]
    tokens = schema["paths"]["/api/v1/tokens/"]["get"]["responses"]  # session only: no token, so no 401
    assert {"401", "403"} <= set(me)
    assert ("401" in card, "403" in card) == (True, False)
    assert ("401" in tokens, "403" in tokens) == (False, True)


class _Thing(serializers.Serializer):
    name = serializers.CharField()


class _ThingAcceptView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(request=None, responses={200: _Thing, **error_responses(403, 409, _409="Already accepted.")})
    def post(self, request, pk: int):
        return Response({"name": "x"})


def test_declared_errors_join_the_implied_ones():
    generator = SchemaGenerator(patterns=[path("things/<int:pk>/accept/", _ThingAcceptView.as_view())])
    responses = generator.get_schema(request=None, public=True)["paths"]["/things/{id}/accept/"]["post"]["responses"]
    assert sorted(responses) == ["200", "403", "404", "409"]
    assert responses["409"]["description"] == "Already accepted."
    assert responses["404"]["content"]["application/json"]["schema"]["$ref"] == ERROR_REF


# Decimals that are not amounts of money: scores, averages, percentages, coordinates.
NOT_MONEY = {"reputation_score", "review_average", "change_24h_pct", "change_7d_pct", "latitude", "longitude"}
NOT_MONEY |= {"hit_rate", "wilson_lower_bound", "mean_profit_pct"}  # signals leaderboard: rates and percentages
NOT_MONEY |= {"trade_in_bonus_pct", "price_adjustment_pct"}  # stores: percentages


def _decimal_properties(component: dict) -> set[str]:
    return {
        name
        for name, prop in component.get("properties", {}).items()
        if prop.get("format") == "decimal" or "^-?\\d{0," in prop.get("pattern", "")
    }


def _refs(node) -> set[str]:
    found = set()
    if isinstance(node, dict):
        if "$ref" in node:
            found.add(node["$ref"].rsplit("/", 1)[-1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def test_money_comes_with_its_currency(schema):
    """An amount is a decimal string with a `currency` beside it (or on the object that holds it)."""
    components = schema["components"]["schemas"]
    parents: dict[str, set[str]] = {}
    for name, component in components.items():
        for child in _refs(component):
            parents.setdefault(child, set()).add(name)

    def has_currency(name: str) -> bool:
        return "currency" in components[name].get("properties", {})

    missing = []
    for name, component in components.items():
        if name.endswith("Request"):
            continue  # what clients send: the amounts are in the object's currency
        amounts = _decimal_properties(component) - NOT_MONEY
        if amounts and not has_currency(name) and not (parents.get(name) and all(map(has_currency, parents[name]))):
            missing.append(f"{name}: {sorted(amounts)}")
    assert missing == []


def test_people_are_usernames(schema):
    """Nobody's user id or email is shown to others: person fields are strings (usernames)."""
    person_fields = {"proposer", "recipient", "party_a", "party_b", "sender", "giver", "reviewer", "reviewee"}
    wrong = [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, prop in component.get("properties", {}).items()
        if field in person_fields and prop.get("type") != "string"
    ]
    assert wrong == []
