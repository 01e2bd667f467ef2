"""Content negotiation: pick a representation for an Accept header (RFC 9110 q-values), or a ``format=`` fallback."""

from __future__ import annotations

from collections.abc import Mapping

from hrkg.formats import GRAPH_OFFERS, PAGE, TABULAR_RESULTS

#: media type -> result format name, per query form, in server preference order (from :mod:`hrkg.formats`); a page
#: for browsers comes last: only browsers ask for it
TABULAR: dict[str, str] = {**TABULAR_RESULTS.offers(), **PAGE.offers()}
GRAPH: dict[str, str] = {**GRAPH_OFFERS.offers(), **PAGE.offers()}


def negotiate(accept: str, offers: Mapping[str, str]) -> str | None:
    """The best offered value for an Accept header; ``*/*`` and an empty header take the first offer.

    Ties in q-value are broken by the order of the header; ``None`` when nothing offered is acceptable.
    """
    if not accept.strip():
        return next(iter(offers.values()))
    ranges = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((q, -i, fields[0].lower()))
    for q, _, media in sorted(ranges, reverse=True):
        if q <= 0:
            continue
        if media in offers:
            return offers[media]
        if media == "*/*":
            return next(iter(offers.values()))
        if media.endswith("/*"):
            for offered, value in offers.items():
                if offered.startswith(media[:-1]):
                    return value
    return None


def choose(accept: str, offers: Mapping[str, str], fmt: str | None = None) -> str | None:
    """``fmt`` when it names an offered format (the browser fallback), else the negotiated one."""
    if fmt and fmt in offers.values():
        return fmt
    return negotiate(accept, offers)
