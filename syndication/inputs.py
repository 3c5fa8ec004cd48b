"""Input at the door: every value from outside is typed and bounded before a view sees it.

One mechanism for every route, not a check per view:

* **URL converters** replace Werkzeug's: ``<int:…>`` matches only ids the
  database can hold (1 … 2³¹−1, at most ten digits), ``<token>`` and
  ``<path:…>`` never match control characters or run past a sane length. A
  value outside them is a 404 like any other unknown address.
* **Query strings** are read through a pydantic model (:func:`query_args`):
  integers bounded, enums one of their values, dates within
  :data:`EARLIEST_DATE` … :data:`LATEST_DATE`; anything else is a 400 that
  says which parameter and why. The API's models use the same types.
* **Forms** subclass :class:`syndication.views.forms.Form`, which bounds every
  integer and date field the same way; lists of ids posted by checkbox
  tables go through :func:`form_ids`.
* **Control characters** (NUL and the other C0 controls, DEL) in any query
  parameter, form field or JSON string are refused before routing reaches a
  view (:func:`refuse_control_characters`); tabs and newlines stay allowed
  in form and JSON text, where people type them.
* **JSON bodies** are parsed by :class:`BoundedJSONProvider`: malformed JSON
  is a 400 problem+json (not the 422 of a body that parsed but did not
  validate), and nesting deeper than :data:`MAX_JSON_DEPTH` is refused.

Errors are raised as HTTP errors, which ``syndication.errors`` answers as
problem+json for machine clients and as the error page for people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import orjson
from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

from syndication.json_depth import nests_within

# Ids are 32-bit integers in the database; anything larger cannot exist and must not reach SQL.
MAX_ID = 2_147_483_647
_MAX_ID_DIGITS = len(str(MAX_ID))
# Dates people and partners may filter or schedule by; later ones overflow date arithmetic
# (``to=9999-12-31`` plus one day) and are never meant.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)
# Nesting of JSON bodies: the API's own bodies are two deep.
MAX_JSON_DEPTH = 32
# Path segments: tokens in links are a few hundred characters.
MAX_SEGMENT_LENGTH = 2_000

# C0 controls and DEL; tab, line feed and carriage return are allowed where people type text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- URL converters ------------------------------------------------------------------


class IdConverter(IntegerConverter):
    """``<int:…>``: a positive id the database can hold; more digits never reach int()."""

    regex = rf"\d{{1,{_MAX_ID_DIGITS}}}"

    def __init__(self, map, fixed_digits: int = 0, min: int = 1, max: int = MAX_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


class TokenConverter(UnicodeConverter):
    """The default converter (``<token>``): no slash, no control character, bounded length."""

    def __init__(self, map, minlength: int = 1, maxlength: int = MAX_SEGMENT_LENGTH) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength)
        self.regex = rf"[^/\x00-\x1f\x7f]{{{minlength},{maxlength}}}"


class SafePathConverter(PathConverter):
    """``<path:…>``: like Werkzeug's, without control characters."""

    regex = r"[^/\x00-\x1f\x7f][^\x00-\x1f\x7f]*?"


CONVERTERS = {
    "int": IdConverter,
    "default": TokenConverter,
    "string": TokenConverter,
    "path": SafePathConverter,
}


# --- typed values for pydantic models ------------------------------------------------


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


# What the door lets through, as patterns, so the OpenAPI document says so too.
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# JSON Schema has no bounds for dates: the OpenAPI document states the years as a pattern.
BoundedDate = Annotated[
    date,
    Field(ge=EARLIEST_DATE, le=LATEST_DATE),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^(19\d\d|2[01]\d\d|2200)-"}),
]


def _in_range(value: datetime) -> datetime:
    if not EARLIEST_DATE.year <= value.year <= LATEST_DATE.year:
        raise ValueError(f"must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}")
    return value


# A time (RFC 3339) in the same years as BoundedDate.
BoundedDateTime = Annotated[
    datetime,
    AfterValidator(_in_range),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": r"^(19\d\d|2[01]\d\d|2200)-"}
    ),
]
PageNumber = Annotated[int, Field(ge=1, le=10_000)]
Text = Annotated[str, Field(max_length=500), AfterValidator(_no_control)]


class QueryArgs(BaseModel):
    """A page's query string: unknown parameters are ignored, known ones must be valid."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


Args = TypeVar("Args", bound=BaseModel)


def _given(model: type[BaseModel]) -> dict[str, str]:
    # An empty box of a filter form means "no filter" where the field's default is None,
    # not an invalid value; where "" means something itself (all statuses), it is kept.
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    given = {}
    for key, value in request.args.items():
        field = fields.get(key)
        if field is not None and not value.strip() and field.default is None:
            continue
        given[key] = value
    return given


def query_args(model: type[Args]) -> Args:
    """The query string as ``model`` (a :class:`QueryArgs`), or a 400 naming what is wrong."""
    try:
        return model.model_validate(_given(model))
    except ValidationError as exc:
        abort(400, describe(exc))


def describe(error: ValidationError) -> str:
    """One line for people: the first invalid parameter and what is wrong with it."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "request"
    return f"The parameter “{where}” is not valid: {first['msg']}."


def form_ids(name: str) -> list[int]:
    """Ids posted as a list (checkboxes), each one a valid id, or a 400."""
    values = request.form.getlist(name)
    ids: list[int] = []
    for value in values:
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > _MAX_ID_DIGITS:
            abort(400, f"“{name}” must be a list of ids; {value[:40]!r} is not one.")
        number = int(value)
        if not 1 <= number <= MAX_ID:
            abort(400, f"“{name}” must be a list of ids; {number} is not one.")
        ids.append(number)
    return ids


# --- control characters --------------------------------------------------------------


def _first_control(pairs: Iterable[tuple[str, str]], *, text: bool) -> str | None:
    pattern = _CONTROL_IN_TEXT if text else _CONTROL
    for key, value in pairs:
        if _CONTROL.search(key) or pattern.search(value):
            return key
    return None


def _json_strings(value: Any, path: str = "body") -> Iterable[tuple[str, str]]:
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, inner in item.items():
                yield where, str(key)
                stack.append((f"{where}.{key}", inner))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", inner) for i, inner in enumerate(item))


def refuse_control_characters() -> None:
    """The before-request hook: a 400 for a control character anywhere in the input."""
    field = _first_control(request.args.items(multi=True), text=False)
    if field is None and request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            # Parsed here, once (Flask keeps it), so malformed JSON is a 400 before any view.
            try:
                body = request.get_json()
            except BadRequest:
                abort(
                    400,
                    f"The body is not valid JSON, or nests deeper than {MAX_JSON_DEPTH} levels.",
                )
            for where, value in _json_strings(body):
                if _CONTROL_IN_TEXT.search(value):
                    field = where
                    break
        else:
            field = _first_control(request.form.items(multi=True), text=True)
    if field is not None:
        abort(
            400,
            f"“{field[:80]}” contains a control character (such as NUL), which is not "
            "allowed; remove it and send again.",
        )


# --- JSON ----------------------------------------------------------------------------


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, parsed by orjson (no recursion, so no stack to exhaust) and depth-capped.

    Raises ValueError for anything it will not accept, which Flask answers 400.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = orjson.loads(s)
        if not nests_within(value, MAX_JSON_DEPTH):
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return value


def register(app: Flask) -> None:
    """Install the converters (before any route is added), the JSON parser and the hook."""
    app.url_map.converters.update(CONVERTERS)
    app.json = BoundedJSONProvider(app)
    app.before_request(refuse_control_characters)
