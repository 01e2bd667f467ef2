"""Render a validation report: text and Markdown and HTML for people, JSON and Turtle for pipelines."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from itertools import groupby

import rdflib
from rdflib.namespace import RDF, SH, XSD

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
    doc = {
        "conforms": report.conforms,
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "focus": f.focus,
                "message": f.message,
                "source": _source(f),
                "suggestions": list(f.suggestions),
            }
            for f in report.findings
        ],
    }
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


def to_graph(report: Report) -> rdflib.Graph:
    """The report as a SHACL validation report, each result carrying its hrkg rule id and sources."""
    g = rdflib.Graph()
    g.bind("sh", SH)
    g.bind("hrkg", HRKG)
    root = rdflib.BNode()
    g.add((root, RDF.type, SH.ValidationReport))
    g.add((root, SH.conforms, rdflib.Literal(report.conforms, datatype=XSD.boolean)))
    severities = {"violation": SH.Violation, "warning": SH.Warning, "info": SH.Info}
    for f in report.findings:
        r = rdflib.BNode()
        g.add((root, SH.result, r))
        g.add((r, RDF.type, SH.ValidationResult))
        g.add((r, SH.focusNode, rdflib.URIRef(f.node) if not f.node.startswith("_:") else rdflib.BNode(f.node[2:])))
        g.add((r, SH.resultSeverity, severities[f.severity]))
        g.add((r, SH.resultMessage, rdflib.Literal(f.message, lang="en")))
        g.add((r, HRKG.ruleId, rdflib.Literal(f.rule)))
        if f.value is not None:
            g.add((r, SH.value, rdflib.URIRef(f.value) if "://" in f.value else rdflib.Literal(f.value)))
        for s in f.source:
            g.add((r, rdflib.DCTERMS.source, rdflib.Literal(s)))
        for s in f.suggestions:
            g.add((r, rdflib.RDFS.comment, rdflib.Literal(s, lang="en")))
    return g


def turtle(report: Report) -> str:
    return to_graph(report).serialize(format="turtle")
