"""A revision's body forms: made once when the revision is, stored, and handed to every package.

Everything a package holds that depends on the revision alone (the prepared
body under each pair of flags, and its plain text, Markdown and NewsML-G2
XHTML) is the same for every grant of that revision. :func:`revision_forms`
makes them; :func:`dumps` and :func:`loads` are their stored form (JSON); a
package built with them (``PackageInput(forms=...)``) is byte for byte the
package built without them, only cheaper: it assembles them with the grant's
terms and pixel instead of reading the body again.

Forms follow the assets as well as the body (which images ship, under which
names), and assets change apart from revisions (a file fetched, a picture
marked as not ours): :func:`forms_key` is what they were made from, and whoever
stores forms compares it with the key of the assets at hand before using them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import orjson

from syndication.packaging import markdown, newsml, text
from syndication.packaging.inputs import (
    AssetInput,
    BodyForms,
    Flags,
    PreparedBody,
    RevisionForms,
    image_names,
    prepare_body,
)
from syndication.packaging.key import PACKAGER_VERSION

# Every pair of body flags a rule set can give a format.
FLAG_PAIRS: tuple[Flags, ...] = ((False, False), (False, True), (True, False), (True, True))


def forms_key(body_html: str, assets: tuple[AssetInput, ...]) -> str:
    """sha256 of what the forms are made from: the packager, the body and the assets' facts.

    Only what preparing the body reads: each asset's addresses, whether it is
    ours and has a file, and its hash (a nameless file is named after it).
    """
    document = [
        PACKAGER_VERSION,
        body_html,
        [[a.filename, a.source_url, a.syndicatable, a.data is not None, a.sha256] for a in assets],
    ]
    return hashlib.sha256(orjson.dumps(document)).hexdigest()


def revision_forms(body_html: str, assets: tuple[AssetInput, ...]) -> RevisionForms:
    """The body forms of a revision's ``body_html`` with ``assets``, for every pair of flags.

    Pairs that prepare the same body (a body without promos or pictures that are
    not ours: most of them) share one set of forms.
    """
    assets = tuple(assets)
    images = image_names(assets)
    made: dict[str, BodyForms] = {}
    bodies: dict[Flags, BodyForms] = {}
    for pair in FLAG_PAIRS:
        html = prepare_body(body_html, assets, images, *pair)
        forms = made.get(html)
        if forms is None:
            prepared = PreparedBody(html)
            forms = made[html] = BodyForms(
                html=html,
                text=text.prepared_text(prepared),
                markdown=markdown.prepared_markdown(prepared),
                xhtml=newsml.prepared_xhtml(prepared),
            )
        bodies[pair] = forms
    return RevisionForms(forms_key(body_html, assets), bodies)


def _pair_name(pair: Flags) -> str:
    return f"{int(pair[0])}{int(pair[1])}"


def dumps(forms: RevisionForms, body_html: str) -> bytes:
    """The forms as stored: JSON, each distinct body once, and none equal to ``body_html``.

    The prepared HTML of a body with nothing to strip or point at images/ is
    the revision's body itself, stored beside them already.
    """
    distinct: list[BodyForms] = []
    index: dict[int, int] = {}
    pairs: dict[str, int] = {}
    for pair, body in forms.bodies.items():
        if id(body) not in index:
            index[id(body)] = len(distinct)
            distinct.append(body)
        pairs[_pair_name(pair)] = index[id(body)]
    document = {
        "key": forms.key,
        "pairs": pairs,
        "bodies": [
            {
                "html": None if body.html == body_html else body.html,
                "text": body.text,
                "markdown": body.markdown,
                "xhtml": body.xhtml.decode(),
            }
            for body in distinct
        ],
    }
    return orjson.dumps(document)


def loads(data: bytes | str, body_html: str) -> RevisionForms:
    """Stored forms (:func:`dumps`) of the revision whose body is ``body_html``."""
    document = orjson.loads(data)
    distinct = [
        BodyForms(
            html=body_html if body["html"] is None else body["html"],
            text=body["text"],
            markdown=body["markdown"],
            xhtml=body["xhtml"].encode(),
        )
        for body in document["bodies"]
    ]
    bodies: Mapping[Flags, BodyForms] = {
        pair: distinct[document["pairs"][_pair_name(pair)]] for pair in FLAG_PAIRS
    }
    return RevisionForms(document["key"], bodies)
