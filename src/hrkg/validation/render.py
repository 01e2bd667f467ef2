"""Render a validation report: text and Markdown and HTML for people, JSON and Turtle for pipelines."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from itertools import groupby

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, XSD

from hrkg.formats import REPORTS
from hrkg.namespaces import HRKG
from hrkg.validation.model import SEVERITY_ORDER, Finding, Report

FORMATS = ("text", "json", "turtle", "markdown", "html")
#: report format -> Content-Type
MEDIA_TYPES = {name: REPORTS.content_type(name) for name in FORMATS}
_HEADINGS = {"violation": "VIOLATION", "warning": "WARNING", "info": "NOTE"}
_SHOWN_SUGGESTIONS = 6


def render(report: Report, fmt: str) -> str:
    return {"text": text, "json": to_json, "turtle": turtle, "markdown": markdown, "html": to_html}[fmt](report)


def _groups(report: Report) -> Iterator[tuple[tuple[str, str], list[Finding]]]:
    ordered = sorted(report.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.focus, f.value or ""))
    for key, items in groupby(ordered, key=lambda f: (f.severity, f.rule)):
        yield key, list(items)


def _counts(report: Report) -> str:
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in SEVERITY_ORDER}
    names = {"violation": "violation", "warning": "warning", "info": "note"}
    return ", ".join(f"{n} {names[s]}{'s' if n != 1 else ''}" for s, n in counts.items())


def _verdict(report: Report) -> str:
    if report.conforms:
        return "conforms to the guide (no violation)"
    return "does NOT conform to the guide"


def _source(f: Finding) -> str:
    return "; ".join(f.source)


def to_json(report: Report) -> str:
    """The report as JSON: the contract keys (conforms; rule, severity, focus, message, source) plus shape, node,
    value, valueNode, path, resultPath, sourceIris and suggestions (see :mod:`hrkg.validation.schema`)."""
    from hrkg.validation.schema import report_model

    doc = report_model(report).model_dump(mode="json", by_alias=True)
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def text(report: Report) -> str:
    files = ", ".join(report.sources) or "the organisation data"
    lines = [f"{files}: {_verdict(report)}", f"{_counts(report)}", ""]
    for (severity, rule), items in _groups(report):
        lines.append(f"{_HEADINGS[severity]}  {rule}  ({len(items)})  [{_source(items[0])}]")
        for f in items:
            lines.append(f"  - {f.focus}: {f.message}")
            shown = f.suggestions[:_SHOWN_SUGGESTIONS]
            if shown:
                lines.append("      consider:")
                lines += [f"        * {s}" for s in shown]
                if len(f.suggestions) > len(shown):
                    lines.append(f"        ... and {len(f.suggestions) - len(shown)} more (--format json lists all)")
        lines.append("")
    if not report.findings:
        lines.append("Nothing to report.")
    return "\n".join(lines).rstrip() + "\n"


def markdown(report: Report) -> str:
    files = ", ".join(f"`{s}`" for s in report.sources) or "The organisation data"
    lines = ["# hrkg validation report", "", f"{files} {_verdict(report)}: {_counts(report)}.", ""]
    for (severity, rule), items in _groups(report):
        lines += [
            f"## {_HEADINGS[severity].title()}: `{rule}` ({len(items)})",
            "",
            f"Grounded in: {_source(items[0])}",
            "",
        ]
        for f in items:
            lines.append(f"- **{f.focus}**: {f.message.replace('|', '/')}")
            for s in f.suggestions[:_SHOWN_SUGGESTIONS]:
                lines.append(f"  - consider: {s}")
            if len(f.suggestions) > _SHOWN_SUGGESTIONS:
                lines.append(f"  - ... and {len(f.suggestions) - _SHOWN_SUGGESTIONS} more")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_html(report: Report) -> str:
    e = html.escape
    files = ", ".join(report.sources) or "the organisation data"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>hrkg validation report</title>',
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;line-height:1.45}"
        ".violation{border-left:.4rem solid #b00020}.warning{border-left:.4rem solid #c77700}"
        ".info{border-left:.4rem solid #3a6ea5}section{padding-left:1rem;margin:1.5rem 0}"
        ".focus{font-family:monospace}.src{color:#555}</style></head><body>",
        "<h1>hrkg validation report</h1>",
        f"<p><strong>{e(files)}</strong> {e(_verdict(report))}: {e(_counts(report))}.</p>",
    ]
    for (severity, rule), items in _groups(report):
        parts.append(
            f'<section class="{severity}"><h2>{e(_HEADINGS[severity].title())}: '
            f"<code>{e(rule)}</code> ({len(items)})</h2>"
        )
        parts.append(f'<p class="src">Grounded in: {e(_source(items[0]))}</p><ul>')
        for f in items:
            parts.append(f'<li><span class="focus">{e(f.focus)}</span>: {e(f.message)}')
            if f.suggestions:
                parts.append("<details><summary>Consider</summary><ul>")
                parts += [f"<li>{e(s)}</li>" for s in f.suggestions]
                parts.append("</ul></details>")
            parts.append("</li>")
        parts.append("</ul></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _term(value: str, *, is_iri: bool) -> rdflib.term.Identifier:
    if value.startswith("_:"):
        return rdflib.BNode(value[2:])
    return rdflib.URIRef(value) if is_iri else rdflib.Literal(value)


def to_graph(report: Report) -> rdflib.Graph:
    """The report as a SHACL validation report (SHACL section 3.6): one sh:ValidationResult per finding with its
    focus node, severity, source shape, constraint component (every rule is a SPARQL-based constraint), message,
    and sh:value and sh:resultPath where they apply; plus the hrkg rule id, the cited sources and suggestions."""
    g = rdflib.Graph()
    g.bind("sh", SH)
    g.bind("hrkg", HRKG)
    g.bind("dcterms", DCTERMS)
    root = rdflib.BNode()
    g.add((root, RDF.type, SH.ValidationReport))
    g.add((root, SH.conforms, rdflib.Literal(report.conforms, datatype=XSD.boolean)))
    severities = {"violation": SH.Violation, "warning": SH.Warning, "info": SH.Info}
    for f in report.findings:
        r = rdflib.BNode()
        g.add((root, SH.result, r))
        g.add((r, RDF.type, SH.ValidationResult))
        g.add((r, SH.focusNode, _term(f.node, is_iri=True)))
        g.add((r, SH.resultSeverity, severities[f.severity]))
        g.add((r, SH.sourceShape, rdflib.URIRef(f.shape)))
        g.add((r, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        g.add((r, SH.resultMessage, rdflib.Literal(f.message, lang="en")))
        g.add((r, HRKG.ruleId, rdflib.Literal(f.rule)))
        if f.value_node is not None:
            g.add((r, SH.value, _term(f.value_node, is_iri=f.value_is_iri)))
        if len(f.result_path) == 1:
            g.add((r, SH.resultPath, rdflib.URIRef(f.result_path[0])))
        elif f.result_path:
            head = rdflib.BNode()
            Collection(g, head, [rdflib.URIRef(p) for p in f.result_path])
            g.add((r, SH.resultPath, head))
        for iri, citation in zip(f.source_iris, f.source, strict=False):
            g.add((r, DCTERMS.source, rdflib.URIRef(iri)))
            g.add((rdflib.URIRef(iri), HRKG.citation, rdflib.Literal(citation)))
        for s in f.suggestions:
            g.add((r, RDFS.comment, rdflib.Literal(s, lang="en")))
    return g


def turtle(report: Report) -> str:
    return to_graph(report).serialize(format="turtle")
