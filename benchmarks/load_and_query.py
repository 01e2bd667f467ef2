"""Load the knowledge graph and run a typical join, on the embedded store (pyoxigraph) and on rdflib.

Baseline: rdflib (parse + its own SPARQL engine). Prints each timing and the ratio rdflib / hrkg.
The knowledge graph is small, so it is replicated ``--copies`` times under fresh IRIs to show how both scale.

    python benchmarks/load_and_query.py --copies 50
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import pyoxigraph as ox
import rdflib

from hrkg.resources import resources

QUERY = """
PREFIX hrkg: <https://w3id.org/hrkg#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?right ?label (COUNT(?article) AS ?articles) WHERE {
  ?right a hrkg:HumanRight ; rdfs:label ?label ; hrkg:recognisedIn ?article .
  ?article hrkg:articleOf ?instrument .
} GROUP BY ?right ?label ORDER BY DESC(?articles) ?label
"""


def replicated_ntriples(copies: int) -> str:
    base = rdflib.Graph()
    for path in resources().graph_files():
        base.parse(path)
    nt = base.serialize(format="nt")
    out = [nt]
    for i in range(1, copies):
        out.append(nt.replace("<https://w3id.org/hrkg/", f"<https://w3id.org/hrkg/copy{i}/"))
    return "".join(out)


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) if repeat < 3 else statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=20, help="replicate the graph this many times")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = replicated_ntriples(args.copies)
    g = rdflib.Graph()
    t_rdflib_load = best(lambda: rdflib.Graph().parse(data=data, format="nt"), 1)
    g.parse(data=data, format="nt")
    store = ox.Store()
    t_ox_load = best(lambda: ox.Store().load(data, format=ox.RdfFormat.N_TRIPLES), args.repeat)
    store.load(data, format=ox.RdfFormat.N_TRIPLES)

    t_rdflib_query = best(lambda: list(g.query(QUERY)), args.repeat)
    t_ox_query = best(lambda: list(store.query(QUERY)), args.repeat)  # type: ignore[call-overload]

    print(f"triples: {len(g):,} ({args.copies} copies of the knowledge graph)")
    print(f"{'step':<8} {'rdflib (baseline)':>18} {'hrkg/pyoxigraph':>16} {'ratio':>8}")
    for step, base_t, ours in (("load", t_rdflib_load, t_ox_load), ("query", t_rdflib_query, t_ox_query)):
        print(f"{step:<8} {base_t:>17.3f}s {ours:>15.3f}s {base_t / ours:>7.1f}x")


if __name__ == "__main__":
    main()
