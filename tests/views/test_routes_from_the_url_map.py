"""Every route, taken from the URL map: hostile input never makes a 5xx, and each route has
an authorisation rule for every role.

Neither test names a route it checks: a route added later is walked by the fuzzer
as it is, and fails the matrix until ACCESS below says who may reach it.
"""

from __future__ import annotations

import json

import pytest
from werkzeug.routing import AnyConverter, Rule

from syndication.extensions import db
from syndication.inputs import QueryArgs
from syndication.models import Copy, PartnerStatus, Role, User
from syndication.services import sessions
from syndication.views.forms import Form

# --- the roles ---------------------------------------------------------------------------

ROLES = ("anonymous", "partner", "staff", "admin")


@pytest.fixture
def world(make_user, make_partner, make_article, make_grant, make_api_key):
    """One of each object a route can name, and a user of each role."""
    from syndication.services import importing

    partner = make_partner(status=PartnerStatus.APPROVED)
    run = importing.queue(b"<rss><channel></channel></rss>", "queued.xml")
    article = make_article()
    grant = make_grant(partner, article)
    _, api_key = make_api_key(partner)
    copy = Copy(
        grant_id=grant.id,
        article_id=article.id,
        partner_id=partner.id,
        url="https://outlet.example/story",
        domain="outlet.example",
    )
    db.session.add(copy)
    db.session.commit()
    return {
        "users": {
            "partner": make_user(Role.PARTNER, partner=partner, partner_admin=True),
            "staff": make_user(Role.STAFF),
            "admin": make_user(Role.ADMIN),
        },
        "api_key": api_key,
        "ids": {
            "article_id": article.id,
            "grant_id": grant.id,
            "partner_id": partner.id,
            "user_id": 1,
            "asset_id": 1,
            "key_id": 1,
            "request_id": 1,
            "delivery_id": 1,
            "notice_id": 1,
            "job_id": 1,
            "session_id": 1,
            "flag_id": 1,
            "number": 1,
            "run_id": run.id,
            "copy_id": copy.id,
            "licence_id": grant.licence_id,
        },
    }


def _log_in(app, auth_class, world, role: str):
    """A client logged in as ``role``: a real login session, put straight in its cookie.

    (The login form itself, second factor included, has tests of its own; walking
    every route anew from the form would spend each user's one-time codes.)
    """
    client = app.test_client()
    if role != "anonymous":
        user = db.session.get(User, world["users"][role].id)
        db.session.refresh(user)
        sessions.start(user)
        with client.session_transaction() as cookie:
            cookie["_user_id"] = user.get_id()
            cookie["_fresh"] = True
    return client


def _rules(app) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def _methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _headers(rule: Rule, world, role: str) -> dict[str, str]:
    # Machine routes take the partner's API key in place of a session.
    if role == "partner" and rule.endpoint.startswith(("api.", "feeds.")):
        return {"Authorization": f"Bearer {world['api_key']}"}
    return {}


# --- the fuzzer --------------------------------------------------------------------------

HOSTILE_PATH = {
    "int": ["0", "-1", str(2**31), str(2**63), str(10**30), "9" * 5000],
    "default": ["%00", "x" * 10_000, "..%2f..%2fetc", "%E2%80%AE%0A", "bogus"],
    "path": ["%00", "x" * 10_000, "../../../etc/passwd", "zip%00.txt"],
}
HOSTILE_VALUES = [
    str(2**63),
    "-9223372036854775809",
    "9999-12-31",
    "0001-01-01",
    "bogus",
    "a\x00b",
    "x" * 10_000,
    "1e999",
    "",
]


def _query_names(app) -> list[str]:
    """Every query parameter a page or the API reads, from their models."""
    names = {"page", "next", "q"}
    stack = list(QueryArgs.__subclasses__())
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        names |= {field.alias or name for name, field in model.model_fields.items()}
    for path in app.api_doc.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    names.add(parameter["name"])
    return sorted(names)


def _form_names() -> list[str]:
    """Every form field name in the app, and the lists posted outside forms."""
    names = {"article_id", "grant_id", "request_id", "syndicatable", "note", "reason", "decision"}
    stack = list(Form.__subclasses__())
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        names |= {
            name
            for name in dir(form)
            if not name.startswith("_") and hasattr(getattr(form, name), "field_class")
        }
    return sorted(names)


def _fill(rule: Rule, world, choice: str | None = None) -> list[str]:
    """URLs for the rule: each hostile value in each path parameter, the rest valid."""
    valid = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            valid[name] = converter.regex.split("|")[0].removeprefix("(?:")
        else:
            valid[name] = str(world["ids"].get(name, "x"))
    urls = [_build(rule, valid)]
    for name, converter in rule._converters.items():
        kind = (
            "int"
            if "Id" in type(converter).__name__
            else ("path" if "Path" in type(converter).__name__ else "default")
        )
        for value in HOSTILE_PATH[kind]:
            urls.append(_build(rule, {**valid, name: value}))
    return urls


def _build(rule: Rule, values: dict[str, str]) -> str:
    # Built by hand: the hostile values must reach the server exactly as written.
    url = ""
    for is_param, part in rule._trace:
        if is_param:
            url += values.get(part, "") if part in values else ""
        else:
            url += part
    # The trace starts with the host part ("|"); the path follows it.
    return url.split("|", 1)[1] if "|" in url else url


def _bodies(rule: Rule, form_names: list[str]) -> list[dict]:
    if rule.endpoint.startswith("api."):
        deep = "[" * 5000 + "]" * 5000
        return [
            {"data": "{not json", "content_type": "application/json"},
            {"data": deep, "content_type": "application/json"},
            {
                "data": json.dumps({"article_ids": [2**63], "note": "a\x00b"}),
                "content_type": "application/json",
            },
            {"data": json.dumps({"url": "x" * 10_000}), "content_type": "application/json"},
            {"json": {"article_ids": ["1"] * 1000, "note": "x" * 10_000}},
        ]
    return [{"data": {name: value for name in form_names}} for value in HOSTILE_VALUES]


@pytest.mark.parametrize("role", ["anonymous", "partner", "staff"])
def test_no_route_answers_hostile_input_with_a_server_error(app, world, role):
    from tests.conftest import AuthActions

    queries = _query_names(app)
    form_names = _form_names()
    failures: list[str] = []
    count = 0
    for rule in _rules(app):
        # A fresh login per route: a route may end the session (logout, log out everywhere).
        client = _log_in(app, AuthActions, world, role)
        headers = _headers(rule, world, role)
        valid, *hostile = _fill(rule, world)
        for method in _methods(rule):
            # Hostile path values alone; then, on the valid path, hostile query values in
            # every parameter any route reads, and hostile bodies.
            requests = [(url, {}) for url in hostile]
            requests += [(valid, {"query_string": {n: v for n in queries}}) for v in HOSTILE_VALUES]
            if method in ("POST", "PUT"):
                requests += [(valid, body) for body in _bodies(rule, form_names)]
            for url, extra in requests:
                count += 1
                response = client.open(url, method=method, headers=headers, **extra)
                # A streamed answer (the CSV downloads) is closed here, as a server would,
                # not left for the garbage collector to end inside another request's context.
                response.close()
                if response.status_code >= 500:
                    shown = {k: str(v)[:60] for k, v in extra.items()}
                    failures.append(f"{response.status_code} {method} {url[:80]} {shown}")
    assert count > 500
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:40])


# --- the authorisation matrix ------------------------------------------------------------

ANYONE = "anyone"  # no login needed; the same answer whoever asks
LOGGED_IN = "logged in"  # any logged-in user; anonymous is sent to log in
PARTNER = "partner"  # partner users only; staff get 403
STAFF = "staff"  # staff and admins; partners get 403
ADMIN = "admin"  # admins only; staff and partners get 403
API_KEY = "api key"  # a partner's API key; sessions count for nothing (401)
TOKEN = "token in the address"  # the address is the credential; nobody's session matters
AFTER_PASSWORD = "after the password"  # the login's second step; without the first, log in

# Who may reach each endpoint. A new route fails test_every_route_has_an_access_rule
# until it has a line here.
ACCESS: dict[str, str] = {
    "static": ANYONE,
    "public.index": ANYONE,
    "public.health": ANYONE,
    "public.apply": ANYONE,
    "public.applied": ANYONE,
    "public.pixel": TOKEN,
    "public.signed_download": TOKEN,
    "public.acknowledge_notice": TOKEN,
    "public.licence": ANYONE,
    "public.licence_json": ANYONE,
    "auth.login": ANYONE,
    "auth.second_factor": AFTER_PASSWORD,
    "auth.enrol": AFTER_PASSWORD,
    "auth.logout": LOGGED_IN,
    "auth.forgot_password": ANYONE,
    "auth.reset_password": TOKEN,
    "auth.accept_invitation": TOKEN,
    "auth.sessions_page": LOGGED_IN,
    "auth.end_session": LOGGED_IN,
    "auth.end_all_sessions": LOGGED_IN,
    "auth.two_factor_page": LOGGED_IN,
    "feeds.token_rss": TOKEN,
    "feeds.token_atom": TOKEN,
    "feeds.token_json": TOKEN,
    "feeds.rss": API_KEY,
    "feeds.atom": API_KEY,
    "feeds.json_feed": API_KEY,
    "api.openapi_document": ANYONE,
    **{
        f"api.{name}": API_KEY
        for name in (
            "index",
            "list_articles",
            "get_article",
            "list_grants",
            "get_grant",
            "package",
            "list_notices",
            "list_changes",
            "acknowledge_notice",
            "create_requests",
            "list_requests",
            "get_webhook",
            "set_webhook",
            "delete_webhook",
            "list_webhook_deliveries",
            "redeliver_webhook",
            "rotate_webhook_secret",
            "send_webhook_test",
        )
    },
    **{
        f"portal.{name}": PARTNER
        for name in (
            "dashboard",
            "account",
            "bundle",
            "catalogue",
            "preview",
            "downloads",
            "feeds_page",
            "issue_feed_token",
            "revoke_feed_token",
            "grant",
            "download",
            "email_link",
            "keys",
            "package_profile",
            "revoke_key",
            "notices_inbox",
            "acknowledge_notice",
            "requests",
            "withdraw_request",
            "users",
            "remove_user",
            "webhook",
            "redeliver_webhook",
            "rotate_webhook_secret",
            "send_webhook_test",
            "reports_views",
            "reports_top",
            "reports_grants",
            "reports_notices",
            "reports_compliance",
            "report_csv",
        )
    },
    **{
        f"staff.{name}": STAFF
        for name in (
            "dashboard",
            "articles",
            "article",
            "asset_file",
            "asset_fetch",
            "new_notice",
            "notices_list",
            "notice",
            "revoke_grant",
            "copies_list",
            "handle_copy_flag",
            "copy",
            "check_copy",
            "new_copy",
            "audit_log",
            "audit_csv",
            "redeliver_webhook",
            "colleagues",
            "revise_article",
            "revision_diff",
            "article_rights",
            "import_articles",
            "import_run",
            "import_progress",
            "intake_queue",
            "release_selected",
            "partners",
            "partner",
            "partner_package_profile",
            "decide",
            "requests",
            "decide_request",
            "bulk_requests",
            "rules",
            "change_rule",
            "edit_rule",
            "new_rule",
            "preview",
            "reports_views",
            "reports_top",
            "reports_grants",
            "reports_notices",
            "reports_compliance",
            "report_csv",
        )
    },
    **{
        f"staff.{name}": ADMIN
        for name in (
            "background",
            "retry_job",
            "eligibility",
            "quotas",
            "own_sources",
            "notice_deadlines",
            "invite_colleague",
            "deactivate",
            "reactivate",
            "change_role",
        )
    },
}


def test_every_route_has_an_access_rule(app):
    missing = [
        f"{rule.endpoint} ({', '.join(_methods(rule))} {rule.rule})"
        for rule in _rules(app)
        if rule.endpoint not in ACCESS
    ]
    assert not missing, (
        "These routes have no authorisation rule: add each to ACCESS in "
        f"tests/views/test_routes_from_the_url_map.py, saying who may reach it: {missing}"
    )
    stale = sorted(set(ACCESS) - {rule.endpoint for rule in _rules(app)})
    assert not stale, f"ACCESS names endpoints that no longer exist: {stale}"


def _refused(response, role: str) -> str:
    """How a response turned the caller away: "login", "forbidden", "unauthorised" or ""."""
    if response.status_code == 401:
        return "unauthorised"
    if response.status_code == 403:
        return "forbidden"
    if (
        response.status_code in (301, 302, 303)
        and "/login" in response.headers.get("Location", "").split("?")[0]
        and role == "anonymous"
    ):
        return "login"
    return ""


EXPECTED = {
    ANYONE: {"anonymous": "", "partner": "", "staff": "", "admin": ""},
    TOKEN: {"anonymous": "", "partner": "", "staff": "", "admin": ""},
    LOGGED_IN: {"anonymous": "login", "partner": "", "staff": "", "admin": ""},
    AFTER_PASSWORD: {"anonymous": "login", "partner": "", "staff": "", "admin": ""},
    PARTNER: {"anonymous": "login", "partner": "", "staff": "forbidden", "admin": "forbidden"},
    STAFF: {"anonymous": "login", "partner": "forbidden", "staff": "", "admin": ""},
    ADMIN: {"anonymous": "login", "partner": "forbidden", "staff": "forbidden", "admin": ""},
    API_KEY: {
        "anonymous": "unauthorised",
        "partner": "",
        "staff": "unauthorised",
        "admin": "unauthorised",
    },
}


def test_each_role_reaches_exactly_what_its_rule_allows(app, world):
    from tests.conftest import AuthActions

    wrong: list[str] = []
    for role in ROLES:
        for rule in _rules(app):
            if rule.endpoint not in ACCESS:
                continue  # test_every_route_has_an_access_rule says so
            client = _log_in(app, AuthActions, world, role)
            expected = EXPECTED[ACCESS[rule.endpoint]][role]
            url = _fill(rule, world)[0]
            for method in _methods(rule):
                response = client.open(url, method=method, headers=_headers(rule, world, role))
                got = _refused(response, role)
                if got != expected:
                    wrong.append(
                        f"{role} {method} {url} ({ACCESS[rule.endpoint]}): expected "
                        f"{expected or 'let in'}, got {got or 'let in'} "
                        f"({response.status_code})"
                    )
    assert not wrong, "\n".join(wrong)
