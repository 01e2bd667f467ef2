"""Query results as web pages, and a query form: the SPARQL endpoint for someone with only a browser.

Browsers say they prefer ``text/html``; SPARQL clients never ask for it, so offering HTML as the last choice changes
nothing for them. The worker answers in SPARQL JSON (or N-Triples for graph results) and the page is rendered here,
with every value escaped and hrkg IRIs linked to their pages on this server.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from hrkg.binding import BindingValue
from hrkg.formats import GRAPH_OFFERS, TABULAR_RESULTS
from hrkg.results import MEDIA_TYPES
from hrkg.service.deps import client_of
from hrkg.service.describe import html_page, term_html
from hrkg.service.negotiation import GRAPH, choose
from hrkg.service.workers.jobs import Answer, PoolName
from hrkg.service.workers.pool import WorkerPool

_VARY = {"Vary": "Accept"}
#: what the worker is asked for when the client wants a page
WORKER_FORMAT = {"select": "json", "ask": "json", "graph": "ntriples"}
_DOWNLOADS = {
    "select": tuple((name, TABULAR_RESULTS.label(name)) for name in ("csv", "tsv", "json", "xml")),
    "graph": tuple((name, GRAPH_OFFERS.label(name)) for name in ("turtle", "jsonld", "rdfxml", "ntriples")),
}
_EXAMPLES = (
    (
        "What does each point of the attribution spectrum call for?",
        "PREFIX hrkg: <https://w3id.org/hrkg#>\nSELECT ?level ?action WHERE {\n"
        "  ?level hrkg:callsFor ?action\n} ORDER BY ?level ?action",
    ),
    (
        "The mitigation categories and their mitigations",
        "PREFIX hrkg: <https://w3id.org/hrkg#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?category ?mitigation WHERE {\n  ?m hrkg:inCategory ?c .\n  ?c rdfs:label ?category .\n"
        "  ?m rdfs:label ?mitigation .\n} ORDER BY ?category ?mitigation",
    ),
    ("Everything said about the right to privacy", "DESCRIBE <https://w3id.org/hrkg/right/privacy>"),
)


async def respond(
    pool: WorkerPool,
    request: Request,
    query: str,
    *,
    offers: Mapping[str, str],
    fmt: str | None,
    bindings: Mapping[str, BindingValue] | None = None,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    title: str = "Query results",
    editable: bool = True,
    download: dict[str, str] | None = None,
    lane: PoolName = "query",
) -> Response:
    """Negotiate among ``offers`` (406 when nothing fits), run the query in a worker of the pool ``lane`` and
    answer: the serialised result, or for a browser a page (see :func:`results_page` for ``title``, ``editable``
    and ``download``)."""
    chosen = choose(request.headers.get("accept", ""), offers, fmt)
    if chosen is None:
        raise HTTPException(
            status_code=406, detail="no acceptable result format; offered: " + ", ".join(sorted(set(offers)))
        )
    page = chosen == "html"
    answer = await pool.run(
        query,
        fmt=WORKER_FORMAT["graph" if offers is GRAPH else "select"] if page else chosen,
        bindings=bindings,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        pool=lane,
        client=client_of(request),
    )
    if page:
        html = results_page(answer, query=query, title=title, editable=editable, download=download)
        return HTMLResponse(html, headers=_VARY)
    return Response(answer.body, media_type=MEDIA_TYPES[answer.fmt], headers=_VARY)


def query_form(query: str = "", *, action: str = "/sparql") -> str:
    """A form that sends a query by GET (so results can be bookmarked and shared)."""
    return (
        f'<form method="get" action="{escape(action)}">'
        f'<textarea name="query" rows="8" style="width:100%;font-family:monospace" '
        f'aria-label="SPARQL query">{escape(query)}</textarea>'
        '<p><label>answer as <select name="format">'
        '<option value="html">a table (this page)</option><option value="csv">CSV</option>'
        '<option value="json">SPARQL JSON</option><option value="turtle">Turtle (CONSTRUCT, DESCRIBE)</option>'
        '</select></label> <button type="submit">Run</button></p></form>'
    )


def form_page() -> str:
    """What a browser sees at ``/sparql`` without a query."""
    examples = "".join(
        f'<li><a href="/sparql?{escape(urlencode({"query": q, "format": "html"}))}">{escape(title)}</a></li>'
        for title, q in _EXAMPLES
    )
    body = (
        "<h1>SPARQL endpoint</h1>"
        "<p>Ask the knowledge graph of the guide anything in SPARQL 1.1. The default graph is the union of every "
        'graph; <a href="/queries">named queries</a> answer the common questions without SPARQL. Machines: this is '
        "a SPARQL 1.1 Protocol endpoint (GET or POST), and its service description is here as "
        '<a href="/sparql?format=turtle">Turtle</a>.</p>'
        f"{query_form()}<h2>Examples</h2><ul>{examples}</ul>"
    )
    return html_page("SPARQL endpoint - hrkg", body)


def results_page(
    answer: Answer,
    *,
    query: str,
    title: str = "Query results",
    editable: bool = True,
    download: dict[str, str] | None = None,
) -> str:
    """The answer (SPARQL JSON or N-Triples from the worker) as a table, the query (in a form to edit and run again
    when ``editable``), and links to the same answer in other formats (the request's parameters ``download``)."""
    params = download if download is not None else {"query": query}
    if answer.kind == "graph":
        triples = list(ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES))
        rows = [[t.subject, t.predicate, t.object] for t in triples]
        table = _table(["subject", "predicate", "object"], rows)
        count = f"{len(rows):,} triple{'s' if len(rows) != 1 else ''}"
    else:
        parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            table = f"<p><strong>{'yes' if bool(parsed) else 'no'}</strong></p>"
            count = "ASK"
        else:
            variables = [v.value for v in parsed.variables]
            rows = [[solution[v] for v in variables] for solution in parsed]
            table = _table(variables, rows)
            count = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}"
    downloads = " · ".join(
        f'<a href="?{escape(urlencode({**params, "format": fmt}))}">{escape(label)}</a>'
        for fmt, label in _DOWNLOADS.get("graph" if answer.kind == "graph" else "select", ())
    )
    body = f"<h1>{escape(title)}</h1><p>{escape(count)} · download: {downloads}</p>"
    body += table
    body += "<h2>Query</h2>" + (query_form(query) if editable else f"<pre><code>{escape(query)}</code></pre>")
    return html_page(f"{title} - hrkg", body)


def _table(headers: list[str], rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else term_html(v, {})}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
