"""All models, imported here so Alembic and the app see the whole schema."""

from syndication.models.activity import (
    AuditEvent,
    Download,
    Notice,
    NoticeDelivery,
    NoticeKind,
    PixelHit,
)
from syndication.models.articles import (
    Article,
    ArticleRevision,
    ArticleTag,
    Asset,
    FindingKind,
    ImportFinding,
    IntakeState,
    Origin,
    SyndicationPolicy,
)
from syndication.models.jobs import Job, WorkerBeat
from syndication.models.licensing import (
    ArticleRequest,
    Grant,
    GrantStatus,
    RequestStatus,
    Rule,
    RuleSet,
)
from syndication.models.partners import (
    ApiKey,
    EligibilityPolicy,
    OrganisationSettings,
    OutletType,
    Partner,
    PartnerDomain,
    PartnerStatus,
    PartnerTier,
    TermsVersion,
)
from syndication.models.users import Role, User

__all__ = [
    "ApiKey",
    "Article",
    "ArticleRequest",
    "ArticleRevision",
    "ArticleTag",
    "Asset",
    "AuditEvent",
    "Download",
    "EligibilityPolicy",
    "FindingKind",
    "Grant",
    "GrantStatus",
    "ImportFinding",
    "IntakeState",
    "Job",
    "Notice",
    "NoticeDelivery",
    "NoticeKind",
    "OrganisationSettings",
    "Origin",
    "OutletType",
    "Partner",
    "PartnerDomain",
    "PartnerStatus",
    "PartnerTier",
    "PixelHit",
    "RequestStatus",
    "Role",
    "Rule",
    "RuleSet",
    "SyndicationPolicy",
    "TermsVersion",
    "User",
    "WorkerBeat",
]
