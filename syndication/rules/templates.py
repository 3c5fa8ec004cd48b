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

Every rendering is bounded (:class:`RenderLimits`): its output, the text all
its operations may build, and its time. The sandbox counts what each operation
builds (repetition, ``+``, every filter and text method) against the budget
before or as it is built, a deadline is checked on every line the template
runs, and the output is streamed and cut off at its limit. Constructs that
would build text outside those counts (``~``, list and dict literals, blocks
that capture output, macros, recursive loops) are refused when the text is
checked. ``validate_template`` runs the trial render once, when a rule is
saved, with realistic values and with every value at its longest
(:data:`MAX_VARIABLE_CHARS`, to which real values are cut), so a text that
passes stays within the limits for any article; stored rules are not
trial-rendered again when a worker loads them, and a rendering that
nevertheless exceeds a limit fails with a :class:`TemplateError`.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

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

# Numbers stay small: no exponent or integer a text could make expensive.
_MAX_EXPONENT = 100
_MAX_INT_BITS = 4_096
# A footer is a paragraph; a limit keeps validation and rendering cheap.
MAX_SOURCE_LENGTH = 5_000
# Variable values are cut to this many characters before rendering, so the trial render
# with every value this long bounds any real rendering.
MAX_VARIABLE_CHARS = 1_000
# Filters that take a width and would let a short text build a huge string, and those
# that print whole structures; the rest are counted (see _count_filter).
_REMOVED_FILTERS = ("center", "indent", "format", "wordwrap", "pprint", "tojson", "xmlattr")
# Text methods a rule may call: none of them builds more than its input.
_TEXT_METHODS = frozenset(
    {
        "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
        "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle",
        "isupper", "lower", "lstrip", "partition", "removeprefix", "removesuffix", "rfind",
        "rindex", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith",
        "strip", "swapcase", "title", "upper",
    }
)  # fmt: skip
# Filter arguments that set how many pieces a filter makes.
_MAX_PIECES = 1_000


@dataclass(frozen=True)
class RenderLimits:
    """What one rendering of one rule text may cost.

    ``output_chars``: the rendered text; ``work_chars``: all text its operations
    build together; ``seconds``: wall-clock time, read from ``clock`` (tests
    pass a clock of their own instead of waiting).
    """

    output_chars: int = 10_000
    work_chars: int = 200_000
    seconds: float = 0.25
    clock: Callable[[], float] = time.perf_counter


LIMITS = RenderLimits()


class TemplateError(Exception):
    """A rule text that cannot be used; ``line`` (1-based, or None) and ``reason`` for people."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


class _LimitExceeded(SecurityError):
    """A rendering went past one of its RenderLimits; the message says which, for people."""


class _Budget:
    """The limits of the rendering in progress on this thread, and what it has spent."""

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.work = 0
        self.deadline = limits.clock() + limits.seconds

    def charge(self, chars: int) -> None:
        self.work += chars
        if self.work > self.limits.work_chars:
            raise _LimitExceeded(
                f"too big: it builds more than {self.limits.work_chars:,} characters of text"
            )


_current = threading.local()


def _charge(chars: int) -> None:
    budget: _Budget | None = getattr(_current, "budget", None)
    if budget is not None:
        budget.charge(chars)
    elif chars > LIMITS.work_chars:
        # Outside a rendering (Jinja folding constants while compiling): each piece alone.
        raise _LimitExceeded(f"too big: it builds more than {LIMITS.work_chars:,} characters")


def _size(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value) + sum(len(item) for item in value if isinstance(item, str))
    return 0


class _RuleTextEnvironment(SandboxedEnvironment):
    """Sandbox that also bounds numbers and counts the text every operation builds."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse what can exhaust memory or CPU; count what repetition and + build."""
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
        if operator == "+":
            _charge(_size(left) + _size(right))
            return left + right
        if isinstance(left, list | tuple) or isinstance(right, list | tuple):
            raise SecurityError("only text can be repeated")
        text, count = (left, right) if isinstance(left, str) else (right, left)
        if isinstance(text, str) and isinstance(count, int):
            if len(text) * count > LIMITS.output_chars:
                raise SecurityError("repetition too large")
            _charge(len(text) * max(count, 0))
        return left * right

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Text methods from a short list only (none builds more than it is given); counted."""
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str) and name not in _TEXT_METHODS:
            raise SecurityError(f"the text method {name!r} is not allowed")
        result = super().call(__context, __obj, *args, **kwargs)
        _charge(_size(result))
        return result


def _count_filter(name: str, original: Callable) -> Callable:
    """A filter that checks its size arguments first and counts what it returns."""

    @functools.wraps(original)  # keeps Jinja's pass_context/pass_eval_ctx marks
    def counted(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not hasattr(a, "environment")]
        if name == "replace" and len(values) >= 3 and all(isinstance(v, str) for v in values[:3]):
            text, old, new = values[:3]
            hits = text.count(old) if old else len(text) + 1
            _charge(len(text) + hits * max(len(new) - len(old), 0))
        if name in ("batch", "slice") and len(values) >= 2:
            pieces = values[1]
            if isinstance(pieces, int) and pieces > _MAX_PIECES:
                raise SecurityError(f"{name} into more than {_MAX_PIECES} pieces")
        result = original(*args, **kwargs)
        _charge(_size(result))
        return result

    return counted


def _make_environment() -> SandboxedEnvironment:
    env = _RuleTextEnvironment(undefined=StrictUndefined, autoescape=False)
    # No range/dict/lipsum/...: the names a text may use are exactly VARIABLES.
    env.globals.clear()
    for name in _REMOVED_FILTERS:
        env.filters.pop(name, None)
    for name, original in list(env.filters.items()):
        env.filters[name] = _count_filter(name, original)
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
        if node.recursive:
            raise TemplateError("recursive loops are not allowed", _lineno(node))
    # What would build text the budget cannot count: output captured into a block,
    # macros (which can recurse), literal lists and dicts (which ~ or printing would
    # multiply), and ~ itself.
    for node in ast.find_all((nodes.Macro, nodes.CallBlock, nodes.AssignBlock, nodes.FilterBlock)):
        raise TemplateError(
            "macros, call blocks and blocks that capture text are not allowed", _lineno(node)
        )
    for node in ast.find_all(nodes.Concat):
        raise TemplateError(
            "joining with ~ is not allowed: write the pieces side by side", _lineno(node)
        )
    for node in ast.find_all((nodes.List, nodes.Dict, nodes.Tuple)):
        if isinstance(node, nodes.Tuple) and node.ctx == "store":
            continue  # {% for a, b in ... %}
        raise TemplateError("lists and dicts are not allowed in rule texts", _lineno(node))
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


def validate_template(source: str, *, trial_render: bool = True) -> None:
    """Raise TemplateError unless ``source`` compiles, uses only VARIABLES and renders.

    The trial render (within LIMITS, with realistic values and with every value
    at its longest) is what saving a rule runs; ``trial_render=False`` checks
    only what compiling checks, for rules that were tried when they were saved.
    """
    if not isinstance(source, str):
        raise TemplateError("a rule text must be a string")
    if len(source) > MAX_SOURCE_LENGTH:
        raise TemplateError(f"a rule text may have at most {MAX_SOURCE_LENGTH} characters")
    problem = _problem(source, LIMITS) if trial_render else _compile_problem(source)
    if problem is not None:
        raise TemplateError(*problem)


def _longest(value: str) -> str:
    # As long as a value may get, in short words, so that loops over words or characters
    # run as often as real values could make them.
    return ((value.split() or ["x"])[0][:7] + " ") * (MAX_VARIABLE_CHARS // 8)


# The trial render's worst case: every value at its longest.
LONGEST_VARIABLES: Mapping[str, str] = {
    name: _longest(value) for name, value in EXAMPLE_VARIABLES.items()
}


def _compile_problem(source: str) -> tuple[str, int | None] | None:
    try:
        _compiled(source)
    except TemplateError as exc:
        return exc.reason, exc.line
    return None


@lru_cache(maxsize=4096)
def _problem(source: str, limits: RenderLimits) -> tuple[str, int | None] | None:
    # The (reason, line) pair is cached, not an exception object, whose traceback
    # would grow each time it was re-raised.
    problem = _compile_problem(source)
    if problem is not None:
        return problem
    # A trial render catches what static checks cannot: attribute access the
    # sandbox refuses, undefined attributes, failing filters, and texts that grow
    # past the limits with long values.
    for variables in (EXAMPLE_VARIABLES, LONGEST_VARIABLES):
        try:
            _render_plain(source, variables, limits)
        except TemplateError as exc:
            return exc.reason, exc.line
    return None


class _Compiled(NamedTuple):
    template: Template
    # Without a loop, a text runs each of its lines once, so its time is bounded by
    # its length and the work budget; only loops need the deadline's line tracing.
    loops: bool


@lru_cache(maxsize=4096)
def _compiled(source: str) -> _Compiled:
    # Compiling costs far more than rendering; rule texts are few and reused. The
    # static checks run here, so no text is ever rendered without them.
    try:
        ast = _ENV.parse(source)
        _static_checks(ast)
        loops = next(ast.find_all(nodes.For), None) is not None
        return _Compiled(_ENV.from_string(ast), loops)
    except TemplateSyntaxError as exc:  # also raised while compiling, e.g. an unknown filter
        raise TemplateError(f"syntax error: {exc.message}", exc.lineno) from None
    except SecurityError as exc:  # a constant Jinja folded while compiling
        raise TemplateError(f"not allowed: {exc}", _template_line(exc)) from None


def _streamed(compiled: _Compiled, variables: Mapping[str, str], limits: RenderLimits) -> str:
    """Render with the budget set, a deadline on every line of a loop, output capped."""
    budget = _Budget(limits)
    clock, deadline = limits.clock, budget.deadline

    def on_line(frame, event, arg):
        if clock() > deadline:
            raise _LimitExceeded(
                f"too slow: it takes longer than {limits.seconds * 1000:.0f} ms to render"
            )
        return on_line

    def on_call(frame, event, arg):
        # Only the template's own frames are traced line by line; others run untraced.
        return on_line if frame.f_code.co_filename == "<template>" else None

    previous_budget = getattr(_current, "budget", None)
    previous_trace = sys.gettrace()
    _current.budget = budget
    if compiled.loops:
        sys.settrace(on_call)
    try:
        pieces, length = [], 0
        for piece in compiled.template.generate(variables):
            length += len(piece)
            if length > limits.output_chars:
                raise _LimitExceeded(
                    f"too big: it renders more than {limits.output_chars:,} characters"
                )
            pieces.append(piece)
        return "".join(pieces)
    finally:
        if compiled.loops:
            sys.settrace(previous_trace)
        _current.budget = previous_budget


def _prepare(variables: Mapping[str, Any]) -> dict[str, str]:
    unknown = sorted(set(variables) - _VARIABLE_SET)
    if unknown:
        raise ValueError(f"unknown template variable {unknown[0]!r}")
    # Missing facts (an article without a byline) render as "", not as a crash
    # on the packaging path; typos in texts were caught by validate_template.
    # Cut to the length the trial render was run with (see validate_template).
    return {
        name: "" if variables.get(name) is None else str(variables[name])[:MAX_VARIABLE_CHARS]
        for name in VARIABLES
    }


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


def _render_plain(source: str, prepared: Mapping[str, str], limits: RenderLimits = LIMITS) -> str:
    compiled = _compiled(source)
    try:
        return _streamed(compiled, prepared, limits)
    except _LimitExceeded as exc:
        raise TemplateError(str(exc), _template_line(exc)) from None
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
