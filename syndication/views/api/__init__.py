"""The partner API under /api/v1: bearer API keys, JSON, problem+json errors.

Routes are declared with flask-openapi3, which validates parameters and bodies
against the pydantic models in ``schemas`` and generates the OpenAPI 3.1
document served at /api/v1/openapi.json from the same declarations.
"""

from __future__ import annotations

from flask import current_app
from flask_openapi3 import APIBlueprint

from syndication.extensions import csrf, limiter
from syndication.views.access import credential_rate_key
from syndication.views.api.schemas import PROBLEMS

bp = APIBlueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    abp_security=[{"bearer": []}],
    abp_responses=PROBLEMS,
)
# API clients authenticate with a key on every call, not a cookie: CSRF does not apply.
csrf.exempt(bp)
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=credential_rate_key)(bp)

from syndication.views.api import routes  # noqa: E402, F401  (the routes register on bp)
