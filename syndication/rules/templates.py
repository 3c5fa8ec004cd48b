"""Rule texts as sandboxed Jinja templates, and their rendering per output format.

A rule text is **plain text** with ``{{ variable }}`` placeholders, written once
and used for every format. It sees only these variables (all strings):

==================  ===========================================================
organisation        the organisation's name, "The Daily Caller News Foundation"
organisation_url    the organisation's home page
licensing_email     where licensing questions go
headline            the article's headline
byline              the article's byline(s) joined for display
canonical_url       the URL of the original article
published_date      the original publish date, ISO (YYYY-MM-DD)
partner_name        the republishing outlet
partner_tier        the outlet's tier (standard, premium, ...)
licence_id          the grant's licence identifier
==================  ===========================================================

Rendering runs in a :class:`~jinja2.sandbox.SandboxedEnvironment` with
:class:`~jinja2.StrictUndefined`, no globals and no loader, so a text can only
format those strings. The rendered text then gets its format variant:

* ``html`` (html, page_html, feed): the *whole* text is HTML-escaped, variable
  values and the staff-written words alike (the words are plain text too, so a
  ``<`` typed in a footer must not become markup), then URLs become
  ``<a href="url">url</a>`` and e-mail addresses ``<a href="mailto:x">x</a>``.
  The result is a :class:`markupsafe.Markup`.
* ``markdown``: Markdown punctuation is backslash-escaped, URLs become
  ``[url](url)`` and e-mail addresses ``<x@y>`` autolinks.
* ``text`` (text, ninjs, newsml, jsonld): unchanged.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from syndication.rules.model import FORMATS
from syndication.rules.resolve import Resolution

VARIABLES: tuple[str, ...] = (
    "organisation",
    "organisation_url",
    "licensing_email",
    "headline",
    "byline",
    "canonical_url",
    "published_date",
    "partner_name",
    "partner_tier",
    "licence_id",
    # Whose work it is: the organisation for its own content, else the recorded rights
    # holder and the licence that lets the organisation syndicate it.
    "rights_holder",
    "licence_reference",
)
_VARIABLE_SET = frozenset(VARIABLES)

# Output format -> text variant. Structured formats carry terms in text fields.
VARIANTS: Mapping[str, str] = {
    "html": "html",
    "page_html": "html",
    "feed": "html",
    "text": "text",
    "markdown": "markdown",
    "ninjs": "text",
    "newsml": "text",
    "jsonld": "text",
}

# A complete, realistic set of values: validate_template's trial render uses it
# (a text that renders here renders for any article), and examples, tests and
# benchmarks can too.
EXAMPLE_VARIABLES: Mapping[str, str] = {
    "organisation": "The Daily Caller News Foundation",
    "organisation_url": "https://dailycallernewsfoundation.org/",
    "licensing_email": "licensing@dailycallernewsfoundation.org",
    "headline": "Ukraine's Foreign Minister Meets Russian Counterpart",
    "byline": "Jane Doe",
    "canonical_url": "https://dailycallernewsfoundation.org/2022/03/10/kuleba-lavrov/",
    "published_date": "2022-03-10",
    "partner_name": "The Gazette",
    "partner_tier": "standard",
    "licence_id": "LIC-42",
    "rights_holder": "The Daily Caller News Foundation",
    "licence_reference": "",
}

# Cap on string/list repetition and exponent size: a sandboxed text must not be
# able to allocate gigabytes ("{{ organisation * 10**9 }}") in the trial render.
_MAX_REPEAT = 10_000
_MAX_EXPONENT = 100
_MAX_INT_BITS = 4_096
# A footer is a paragraph; a limit keeps validation and rendering cheap.
MAX_SOURCE_LENGTH = 5_000
# Filters that take a width and would let a short text build a huge string.
_WIDTH_FILTERS = ("center", "indent", "format", "wordwrap")


class TemplateError(Exception):
    """A rule text that cannot be used; ``line`` (1-based, or None) and ``reason`` for people."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


class _RuleTextEnvironment(SandboxedEnvironment):
    """Sandbox that also bounds repetition and powers."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse the few operators that can exhaust memory or CPU."""
        for operand in (left, right):
            if isinstance(operand, int) and operand.bit_length() > _MAX_INT_BITS:
                raise SecurityError("number too large")
        if operator == "%":
            if isinstance(left, str):
                # "%999999999s" % x would allocate a gigabyte.
                raise SecurityError("%-formatting of text is not allowed")
            return left % right
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
                raise SecurityError("exponent too large")
            return left**right
        sized = (str, list, tuple)
        count = right if isinstance(left, sized) else left if isinstance(right, sized) else 0
        if isinstance(count, int) and count > _MAX_REPEAT:
            raise SecurityError("repetition too large")
        return left * right


def _make_environment() -> SandboxedEnvironment:
    env = _RuleTextEnvironment(undefined=StrictUndefined, autoescape=False)
    # No range/dict/lipsum/...: the names a text may use are exactly VARIABLES.
    env.globals.clear()
    for name in _WIDTH_FILTERS:
        env.filters.pop(name, None)
    return env


_ENV = _make_environment()


def _lineno(node: nodes.Node) -> int | None:
    return getattr(node, "lineno", None)


def _static_checks(ast: nodes.Template) -> None:
    # Templates have no loader; say so plainly instead of "template not found".
    for node in ast.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        raise TemplateError(
            "rule texts cannot include, import or extend other templates", _lineno(node)
        )
    for node in ast.find_all(nodes.For):
        # One loop can only walk a string; nested loops multiply and can hang.
        inner = next(node.find_all(nodes.For), None)
        if inner is not None:
            raise TemplateError("loops inside loops are not allowed", _lineno(inner))
    for node in ast.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            raise TemplateError(f"access to attribute {node.attr!r} is not allowed", _lineno(node))
    for node in ast.find_all(nodes.Getitem):
        key = node.arg
        if (
            isinstance(key, nodes.Const)
            and isinstance(key.value, str)
            and key.value.startswith("_")
        ):
            raise TemplateError(f"access to attribute {key.value!r} is not allowed", _lineno(node))
    unknown = sorted(meta.find_undeclared_variables(ast) - _VARIABLE_SET)
    if unknown:
        name = unknown[0]
        line = next(
            (_lineno(n) for n in ast.find_all(nodes.Name) if n.name == name and n.ctx == "load"),
            None,
        )
        raise TemplateError(
            f"unknown variable {name!r}; available: {', '.join(VARIABLES)}",
            line,
        )


def _template_line(exc: BaseException) -> int | None:
    # Jinja rewrites tracebacks so template frames carry the template's line.
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<template>":
            line = frame.lineno
    return line


def validate_template(source: str) -> None:
    """Raise TemplateError unless ``source`` compiles, uses only VARIABLES and renders."""
    if not isinstance(source, str):
        raise TemplateError("a rule text must be a string")
    if len(source) > MAX_SOURCE_LENGTH:
        raise TemplateError(f"a rule text may have at most {MAX_SOURCE_LENGTH} characters")
    problem = _problem(source)
    if problem is not None:
        raise TemplateError(*problem)


@lru_cache(maxsize=4096)
def _problem(source: str) -> tuple[str, int | None] | None:
    # Cached because the app validates every stored rule each time it loads the
    # rule set; the (reason, line) pair is cached, not an exception object,
    # whose traceback would grow each time it was re-raised.
    try:
        ast = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        return f"syntax error: {exc.message}", exc.lineno
    try:
        _static_checks(ast)
    except TemplateError as exc:
        return exc.reason, exc.line
    except TemplateSyntaxError as exc:  # raised while compiling, e.g. an unknown filter
        return f"syntax error: {exc.message}", exc.lineno
    # A trial render catches what static checks cannot: attribute access the
    # sandbox refuses, undefined attributes, failing filters.
    try:
        _compiled(source).render(EXAMPLE_VARIABLES)
    except SecurityError as exc:
        return f"not allowed: {exc}", _template_line(exc)
    except Exception as exc:  # any failure of staff text is a validation error
        return f"cannot render: {exc}", _template_line(exc)
    return None


@lru_cache(maxsize=4096)
def _compiled(source: str) -> Template:
    # Compiling costs far more than rendering; rule texts are few and reused.
    return _ENV.from_string(source)


def _prepare(variables: Mapping[str, Any]) -> dict[str, str]:
    unknown = sorted(set(variables) - _VARIABLE_SET)
    if unknown:
        raise ValueError(f"unknown template variable {unknown[0]!r}")
    # Missing facts (an article without a byline) render as "", not as a crash
    # on the packaging path; typos in texts were caught by validate_template.
    return {name: "" if variables.get(name) is None else str(variables[name]) for name in VARIABLES}


_LINK_RE = re.compile(
    r"(?P<url>https?://[^\s<>\"'`]+)"
    r"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)"
)
_TRAILING = ".,;:!?"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&~|])")
_MD_LINE_START = re.compile(r"(?m)^(\s*)([#+=-]|\d+(?=[.)]))")


def _unbalanced_close(url: str) -> bool:
    closing = url[-1]
    opening = {")": "(", "]": "["}.get(closing)
    return opening is not None and url.count(opening) < url.count(closing)


def _trim_url(url: str) -> str:
    # "see https://x.org/a." — the full stop ends the sentence, not the URL;
    # a closing bracket belongs to the URL only if the URL opened one.
    while url and (url[-1] in _TRAILING or _unbalanced_close(url)):
        url = url[:-1]
    return url


def _segments(text: str) -> list[tuple[str, str]]:
    """Split text into ("text"|"url"|"email", piece) segments."""
    out: list[tuple[str, str]] = []
    pos = 0
    for match in _LINK_RE.finditer(text):
        start = match.start()
        if match.group("url"):
            piece = _trim_url(match.group("url"))
            kind = "url"
        else:
            piece = match.group("email")
            kind = "email"
        if start > pos:
            out.append(("text", text[pos:start]))
        out.append((kind, piece))
        pos = start + len(piece)
    if pos < len(text):
        out.append(("text", text[pos:]))
    return out


def _md_escape(text: str) -> str:
    return _MD_LINE_START.sub(_md_line_start, _MD_SPECIAL.sub(r"\\\1", text))


def _md_line_start(match: re.Match[str]) -> str:
    lead, marker = match.group(1), match.group(2)
    if marker[0].isdigit():
        # "1." at a line start is a list item; escape the dot, which follows.
        return f"{lead}{marker}\\"
    return f"{lead}\\{marker}"


def format_text(text: str, fmt: str) -> str:
    """Give rendered plain text its variant for ``fmt``: linked HTML, Markdown or text."""
    variant = _variant(fmt)
    if variant == "text" or not text:
        return Markup(text) if variant == "html" else text
    parts: list[str] = []
    if variant == "html":
        for kind, piece in _segments(text):
            if kind == "url":
                parts.append(f'<a href="{escape(piece)}">{escape(piece)}</a>')
            elif kind == "email":
                parts.append(f'<a href="mailto:{escape(piece)}">{escape(piece)}</a>')
            else:
                parts.append(str(escape(piece)))
        return Markup("".join(parts))
    for kind, piece in _segments(text):
        if kind == "url":
            target = f"<{piece}>" if "(" in piece or ")" in piece else piece
            label = _MD_SPECIAL.sub(r"\\\1", piece)
            parts.append(f"[{label}]({target})")
        elif kind == "email":
            parts.append(f"<{piece}>")
        else:
            parts.append(_md_escape(piece))
    return "".join(parts)


def _variant(fmt: str) -> str:
    try:
        return VARIANTS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}"
        ) from None


def _render_plain(source: str, prepared: Mapping[str, str]) -> str:
    try:
        return _compiled(source).render(prepared)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"syntax error: {exc.message}", exc.lineno) from None
    except SecurityError as exc:
        raise TemplateError(f"not allowed: {exc}", _template_line(exc)) from None
    except Exception as exc:  # a broken text must fail as a TemplateError, nothing else
        raise TemplateError(f"cannot render: {exc}", _template_line(exc)) from None


def render_text(source: str, variables: Mapping[str, Any], fmt: str) -> str:
    """Render one rule text with ``variables`` and give it ``fmt``'s variant."""
    return format_text(_render_plain(source, _prepare(variables)), fmt)


@dataclass(frozen=True, slots=True)
class RenderedTerms:
    """The texts and flags a package applies for one format; a text is None when there is none."""

    format: str
    footer: str | None
    credit_line: str | None
    originally_appeared: str | None
    strip_promos: bool
    strip_third_party_assets: bool
    tracking_pixel: bool
    noindex: bool
    canonical_link: bool


def render_terms(
    resolution: Resolution, variables: Mapping[str, Any], fmt: str | None = None
) -> RenderedTerms:
    """Render a resolution's texts for ``fmt`` (default: the resolution's own format)."""
    fmt = fmt or resolution.context.output_format
    _variant(fmt)
    prepared = _prepare(variables)

    def text(action: str) -> str | None:
        source = resolution.decisions[action].value
        if not source:
            # None (no rule) and "" (a rule saying "no text") both print nothing.
            return None
        assert isinstance(source, str)
        return format_text(_render_plain(source, prepared), fmt) or None

    def flag(action: str) -> bool:
        return bool(resolution.decisions[action].value)

    return RenderedTerms(
        format=fmt,
        footer=text("footer"),
        credit_line=text("credit_line"),
        originally_appeared=text("originally_appeared"),
        strip_promos=flag("strip_promos"),
        strip_third_party_assets=flag("strip_third_party_assets"),
        tracking_pixel=flag("tracking_pixel"),
        noindex=flag("noindex"),
        canonical_link=flag("canonical_link"),
    )
