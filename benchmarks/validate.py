"""Validation speed: hrkg's fast engine against plain pySHACL (the baseline), on synthetic organisations.

Generates seeded organisations of about 10k, 100k and 1M triples in the hrkg vocabulary (N-Triples), with planted
breaches of most rules (caused impacts without remedy, offsetting, unknown ids, contributions without leverage,
incomplete counterbalancing, ...), then times

* hrkg: ``load_organisation_files`` + ``validate(engine="fast")`` (what ``hrkg validate`` does), in a child process
  so that its peak memory can be read;
* pySHACL: rdflib parsing + ``pyshacl.validate`` with default settings, same data + knowledge graph, same shapes
  (skipped above ``--pyshacl-max`` triples, where it takes many minutes);

and checks that both report identical findings. Prints seconds, the ratio pySHACL / hrkg and peak memory.

    .venv/bin/python benchmarks/validate.py                 # 10k and 100k, pySHACL up to 100k
    .venv/bin/python benchmarks/validate.py --sizes 1000000 --pyshacl-max 0
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

H = "https://w3id.org/hrkg#"
B = "https://w3id.org/hrkg/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD_BOOL = "http://www.w3.org/2001/XMLSchema#boolean"

RIGHTS = [
    "privacy",
    "freedom-of-expression",
    "access-to-information",
    "political-participation",
    "non-discrimination",
    "physical-safety",
    "health",
    "work",
    "education",
]
ATTRIBUTIONS = ["cause", "contribute", "directly-linked", "not-linked"]
ROLES = ["supplier", "foundation-model-developer", "downstream-developer", "deployer"]
CATEGORIES = ["technical-product", "policy", "process", "transparency-communication", "collaborative"]
KINDS = ["human-oversight", "data-documentation", "sales-due-diligence", "managed-model-rollout", "content-policy"]
MECHANISMS = ["contractual-requirements", "due-diligence-processes", "training", "ux-design"]


class Writer:
    def __init__(self, org: str) -> None:
        self.ns = f"{B}org/{org}/"
        self.lines: list[str] = []

    def iri(self, local: str) -> str:
        return f"<{self.ns}{local}>"

    def t(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} <{p}> {o} .")

    def lit(self, s: str, p: str, text: str) -> None:
        self.t(s, p, json.dumps(text))


def generate(target: int, seed: int = 7, *, impacts: int | None = None) -> str:
    """About ``target`` triples of organisation data with planted breaches (or exactly ``impacts`` impacts)."""
    rnd = random.Random(seed)
    w = Writer("bench")
    org = f"<{B}org/bench>"
    w.t(org, RDF_TYPE, f"<{H}Organisation>")
    w.lit(org, LABEL, "Benchmark Corp")
    w.t(org, f"{H}hasRole", f"<{B}role/{rnd.choice(ROLES)}>")
    system = w.iri("sys")
    w.t(system, RDF_TYPE, f"<{H}AISystem>")
    w.t(org, f"{H}hasSystem", system)
    n = 0
    while n < impacts if impacts is not None else len(w.lines) < target:
        n += 1
        impact = w.iri(f"i{n}")
        attribution = rnd.choice(ATTRIBUTIONS)
        w.t(org, f"{H}hasImpact", impact)
        w.t(impact, RDF_TYPE, f"<{H}Impact>")
        w.lit(impact, LABEL, f"impact {n}")
        w.t(impact, f"{H}system", system)
        right = rnd.choice(RIGHTS) if rnd.random() > 0.02 else "privcy"  # planted unknown-reference
        w.t(impact, f"{H}affectsRight", f"<{B}right/{right}>")
        w.t(impact, f"{H}attribution", f"<{B}attribution/{attribution}>")
        w.t(impact, f"{H}impactStatus", f"<{B}impact-status/{rnd.choice(['potential', 'actual'])}>")
        if attribution in ("contribute", "directly-linked") and rnd.random() > 0.1:
            lev = f"_:lev{n}"
            w.t(impact, f"{H}leverage", lev)
            w.t(lev, RDF_TYPE, f"<{H}LeverageAssessment>")
            w.t(lev, f"{H}leverageLevel", f"<{B}leverage-level/{rnd.choice(['none', 'low', 'medium', 'high'])}>")
            w.t(lev, f"{H}availableMechanism", f"<{B}leverage-mechanism/{rnd.choice(MECHANISMS)}>")
        if rnd.random() < 0.03:
            d = f"_:def{n}"
            w.t(impact, f"{H}deferred", d)
            w.t(d, RDF_TYPE, f"<{H}Deferral>")
            w.lit(d, f"{H}rationale", "more severe impacts first")
        # mitigations: most impacts get the actions they are owed, some do not (planted breaches)
        actions = {
            "cause": ["prevent"],
            "contribute": ["prevent", "use-leverage"],
            "directly-linked": ["use-leverage"],
            "not-linked": [],
        }[attribution]
        if actions and rnd.random() > 0.08:
            m = w.iri(f"m{n}")
            w.t(org, f"{H}hasMitigation", m)
            w.t(m, RDF_TYPE, f"<{H}Mitigation>")
            w.lit(m, LABEL, f"mitigation {n}")
            w.t(m, f"{H}addresses", impact)
            for a in actions:
                w.t(m, f"{H}action", f"<{B}action/{a}>")
            w.t(m, f"{H}category", f"<{B}category/{rnd.choice(CATEGORIES)}>")
            w.t(m, f"{H}kind", f"<{B}mitigation/{rnd.choice(KINDS)}>")
            w.t(m, f"{H}mitigationStatus", f"<{B}mitigation-status/{rnd.choice(['planned', 'implemented'])}>")
            w.t(m, f"{H}risksAssessed", f'"{str(rnd.random() > 0.2).lower()}"^^<{XSD_BOOL}>')
            if rnd.random() > 0.3:
                ind = f"_:ind{n}"
                w.t(m, f"{H}indicator", ind)
                w.t(ind, RDF_TYPE, f"<{H}Indicator>")
                w.lit(ind, LABEL, "share of flagged outputs")
                w.t(ind, f"{H}indicatorKind", f"<{B}indicator-kind/quantitative>")
                w.t(ind, f"{H}indicatorSource", f"<{B}indicator-source/{rnd.choice(['internal', 'external'])}>")
        if attribution in ("cause", "contribute") and rnd.random() > 0.1:
            r = w.iri(f"r{n}")
            w.t(org, f"{H}hasRemedy", r)
            w.t(r, RDF_TYPE, f"<{H}Remedy>")
            w.t(r, f"{H}remedyFor", impact)
            w.lit(r, f"{H}mechanism", "grievance channel")
        if rnd.random() < 0.01:
            a = w.iri(f"a{n}")
            w.t(org, f"{H}hasRiskAcceptance", a)
            w.t(a, RDF_TYPE, f"<{H}RiskAcceptance>")
            w.t(a, f"{H}acceptedImpact", impact)
            w.t(a, f"{H}acceptanceBasis", f"<{B}acceptance-basis/{rnd.choice(['tolerance', 'offsetting'])}>")
        if rnd.random() < 0.02:
            t = w.iri(f"t{n}")
            w.t(org, f"{H}hasTension", t)
            w.t(t, RDF_TYPE, f"<{H}RightsTension>")
            w.t(t, f"{H}rightInTension", f"<{B}right/access-to-information>")
            w.t(t, f"{H}rightInTension", f"<{B}right/{rnd.choice(RIGHTS)}>")
            if rnd.random() > 0.3:
                cb = f"_:cb{n}"
                w.t(t, f"{H}counterbalancing", cb)
                w.t(cb, RDF_TYPE, f"<{H}CounterbalancingAssessment>")
                for p in ("revertingToPrinciple", "legitimacy", "necessity", "proportionality", "nonDiscrimination"):
                    if rnd.random() > 0.1:
                        w.lit(cb, f"{H}{p}", "considered")
                w.t(cb, f"{H}outcome", f"<{B}counterbalancing-outcome/{rnd.choice(['single', 'range'])}>")
    return "\n".join(w.lines) + "\n"


CHILD = """
import json, sys, time, resource
from pathlib import Path
t0 = time.perf_counter()
from hrkg.orgdata import load_organisation_files
from hrkg.store import open_store
from hrkg.validation import validate
store = open_store("memory:")
t1 = time.perf_counter()
report = validate(load_organisation_files([Path(sys.argv[1])]), store=store, engine=sys.argv[2])
t2 = time.perf_counter()
print(json.dumps({"setup": t1 - t0, "validate": t2 - t1,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "findings": sorted([f.rule, f.severity, f.node, f.value or ""] for f in report.findings)}))
"""

PYSHACL = """
import json, sys, time, resource
import rdflib, pyshacl
from rdflib.namespace import RDF, SH
from hrkg.store import open_store
from hrkg.validation.engines.pyshacl import _projected_value
from hrkg.validation.rules import rules, shapes_graph
kg = open_store("memory:").to_rdflib()
shapes = shapes_graph()
t0 = time.perf_counter()
g = rdflib.Graph()
g += kg
g.parse(sys.argv[1], format="nt")
conforms, report, _ = pyshacl.validate(g, shacl_graph=shapes)
t1 = time.perf_counter()
by_shape = {r.shape: r for r in rules()}
findings = []
for res in report.subjects(RDF.type, SH.ValidationResult):
    rule = by_shape[str(report.value(res, SH.sourceShape))]
    node = str(report.value(res, SH.focusNode))
    value = _projected_value(rule, node, report.value(res, SH.value))
    findings.append([rule.rule, rule.severity, node, value or ""])
print(json.dumps({"validate": t1 - t0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "findings": sorted(set(map(tuple, findings)))}))
"""


def run(code: str, *args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--pyshacl-max", type=int, default=100_000, help="run pySHACL only up to this many triples")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{'triples':>9} {'findings':>8} {'hrkg s':>8} {'hrkg MB':>8} {'pySHACL s':>10} {'ratio':>7} {'same':>5}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"org-{size}.nt"
            path.write_text(generate(size, args.seed), encoding="utf-8")
            triples = sum(1 for _ in path.open(encoding="utf-8"))
            ours = run(CHILD, str(path), "fast")
            ours_findings = [tuple(f) for f in ours["findings"]]  # type: ignore[union-attr]
            if size <= args.pyshacl_max:
                base = run(PYSHACL, str(path))
                same = sorted(set(ours_findings)) == [tuple(f) for f in base["findings"]]  # type: ignore[union-attr]
                base_s = f"{base['validate']:10.2f}"
                ratio = f"{float(base['validate']) / float(ours['validate']):6.1f}x"  # type: ignore[arg-type]
            else:
                base_s, ratio, same = f"{'skipped':>10}", f"{'-':>7}", None
            verdict = "-" if same is None else ("yes" if same else "NO")
            seconds, mb = float(ours["validate"]), float(ours["rss_mb"])  # type: ignore[arg-type]
            print(f"{triples:>9,} {len(ours_findings):>8,} {seconds:>8.2f} {mb:>8.0f} {base_s} {ratio} {verdict:>5}")
            if same is False:
                sys.exit("findings differ between hrkg and pySHACL")


if __name__ == "__main__":
    main()
