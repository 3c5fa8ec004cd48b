"""ODRL terms for a grant."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from syndication.rules import licence_uri, odrl_policy

FOOTER = "Content created by The Daily Caller News Foundation is available without charge."


def policy(**changes: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "uid": licence_uri("https://dailycallernewsfoundation.org/", "LIC 42"),
        "organisation": "The Daily Caller News Foundation",
        "organisation_uri": "https://dailycallernewsfoundation.org/",
        "partner_name": "The Gazette",
        "partner_uri": "https://gazette.example/",
        "target": "https://dailycallernewsfoundation.org/2022/03/10/kuleba/",
        "footer_text": FOOTER,
        "valid_from": date(2024, 1, 1),
        "valid_until": date(2024, 12, 31),
        "territory": ["us", "CA"],
        "licensing_email": "licensing@dailycallernewsfoundation.org",
    }
    kwargs.update(changes)
    return odrl_policy(**kwargs)


def test_policy_is_an_odrl_agreement_between_organisation_and_partner() -> None:
    terms = policy()
    assert terms["@context"] == "http://www.w3.org/ns/odrl.jsonld"
    assert terms["type"] == "Agreement"
    assert terms["uid"] == "https://dailycallernewsfoundation.org/licences/LIC%2042"
    assert terms["assigner"]["vcard:fn"] == "The Daily Caller News Foundation"
    assert terms["assigner"]["vcard:hasEmail"] == "mailto:licensing@dailycallernewsfoundation.org"
    assert terms["assignee"]["uid"] == "https://gazette.example/"
    assert terms["target"] == "https://dailycallernewsfoundation.org/2022/03/10/kuleba/"


def test_republishing_is_permitted_with_attribution_and_constraints() -> None:
    terms = policy()
    assert [p["action"] for p in terms["permission"]] == ["reproduce", "distribute"]
    for permission in terms["permission"]:
        duty = permission["duty"][0]
        assert duty["action"] == "attribute"
        assert duty["http://purl.org/dc/terms/description"] == FOOTER
        assert permission["constraint"] == [
            {
                "leftOperand": "dateTime",
                "operator": "gteq",
                "rightOperand": {"@value": "2024-01-01", "@type": "xsd:date"},
            },
            {
                "leftOperand": "dateTime",
                "operator": "lteq",
                "rightOperand": {"@value": "2024-12-31", "@type": "xsd:date"},
            },
            {"leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": ["CA", "US"]},
        ]


def test_resale_and_changes_are_prohibited() -> None:
    assert [p["action"] for p in policy()["prohibition"]] == ["modify", "sell", "grantUse"]
    assert "except for style" in policy()["prohibition"][0]["http://purl.org/dc/terms/description"]


def test_datetime_bounds_are_instants_and_until_is_exclusive() -> None:
    terms = policy(
        valid_from=datetime(2024, 1, 1, tzinfo=UTC),
        valid_until=datetime(2025, 1, 1, tzinfo=UTC),
        territory=(),
    )
    constraints = terms["permission"][0]["constraint"]
    assert constraints[1] == {
        "leftOperand": "dateTime",
        "operator": "lt",
        "rightOperand": {"@value": "2025-01-01T00:00:00+00:00", "@type": "xsd:dateTime"},
    }
    assert all(c["leftOperand"] != "spatial" for c in constraints)


def test_no_dates_and_no_territory_means_no_constraint() -> None:
    terms = policy(valid_from=None, valid_until=None, territory=())
    assert "constraint" not in terms["permission"][0]


def test_output_is_deterministic_json() -> None:
    assert json.dumps(policy(), sort_keys=True) == json.dumps(policy(), sort_keys=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target": "not a uri"}, "target must be an absolute URI"),
        ({"territory": "US"}, "list of ISO 3166 codes"),
        ({"valid_from": datetime(2024, 1, 1)}, "time zone"),
    ],
)
def test_bad_input_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        policy(**changes)
