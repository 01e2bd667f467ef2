"""Organisation data (docs/organisation-data.md) -> RDF.

YAML and JSON in the section 3 format are reshaped (never judged) and turned into RDF by rdflib's JSON-LD parser with
the context bundled in ``data/context.jsonld``. Turtle, N-Triples, N-Quads, TriG, RDF/XML and JSON-LD are read as
they are. Nothing is fetched: hrkg's own context URL is replaced by the bundled file, any other remote context is
refused, and RDF/XML with a document type declaration is refused.

Local ids become IRIs under the organisation's namespace, ``https://w3id.org/hrkg/org/<org-id>/<local-id>``
(percent-encoded where an id is not a valid IRI segment); :func:`local_id` turns them back into the ids users wrote.
Values are never checked here: unknown enumeration values and dangling ids survive as IRIs for SHACL to report.
"""

from hrkg.orgdata._jsonld import context
from hrkg.orgdata._yaml import YAML_LIMITS
from hrkg.orgdata.model import CONTEXT_URL, DEFAULT_ORG_ID, MEDIA_TYPES, ORG_BASE, SUFFIXES, OrgData, local_id
from hrkg.orgdata.reader import decode_text, load_organisation_files, parse_organisation_text

__all__ = [
    "CONTEXT_URL",
    "DEFAULT_ORG_ID",
    "MEDIA_TYPES",
    "ORG_BASE",
    "SUFFIXES",
    "YAML_LIMITS",
    "OrgData",
    "context",
    "decode_text",
    "load_organisation_files",
    "local_id",
    "parse_organisation_text",
]
