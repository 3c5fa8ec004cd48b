"""Rules engine: conditions, resolution, sandboxed templates and ODRL terms.

Pure: no Flask, no database. The app stores rules as JSON (``rule_to_dict`` /
``rule_from_dict``), resolves them for an article and a delivery context, and
renders the winning texts for each output format.
"""

from syndication.rules.defaults import default_rules
from syndication.rules.model import (
    ACTIONS,
    FLAG_ACTIONS,
    FORMATS,
    ORIGINS,
    POLICIES,
    TEXT_ACTIONS,
    Actions,
    Conditions,
    Rule,
    RuleValidationError,
    actions_from_dict,
    actions_to_dict,
    conditions_from_dict,
    conditions_to_dict,
    rule_from_dict,
    rule_to_dict,
)
from syndication.rules.odrl import licence_uri, odrl_policy
from syndication.rules.resolve import (
    DEFAULTS,
    ArticleFacts,
    Context,
    Decision,
    Resolution,
    RuleOutcome,
    RuleSet,
    precedence_key,
    resolve,
)
from syndication.rules.templates import (
    VARIABLES,
    VARIANTS,
    RenderedTerms,
    TemplateError,
    format_text,
    render_terms,
    render_text,
    validate_template,
)

__all__ = [
    "ACTIONS",
    "DEFAULTS",
    "FLAG_ACTIONS",
    "FORMATS",
    "ORIGINS",
    "POLICIES",
    "TEXT_ACTIONS",
    "VARIABLES",
    "VARIANTS",
    "Actions",
    "ArticleFacts",
    "Conditions",
    "Context",
    "Decision",
    "RenderedTerms",
    "Resolution",
    "Rule",
    "RuleOutcome",
    "RuleSet",
    "RuleValidationError",
    "TemplateError",
    "actions_from_dict",
    "actions_to_dict",
    "conditions_from_dict",
    "conditions_to_dict",
    "default_rules",
    "format_text",
    "licence_uri",
    "odrl_policy",
    "precedence_key",
    "render_terms",
    "render_text",
    "resolve",
    "rule_from_dict",
    "rule_to_dict",
    "validate_template",
]
