"""A large risk register in the section 3 YAML format, and what ``hrkg validate`` costs on it.

The register is the organisation of the 1M-triple benchmark (``validate.py``'s seeded generator, the same planted
breaches), written the way a practitioner writes it: ``organisation``, ``systems``, ``impacts``, ``mitigations``,
``remedies``, ``riskAcceptances`` and ``tensions`` with local ids, one record a line (YAML flow mappings).
50,000 impacts (with their ~46,000 mitigations, ~28,000 remedies, acceptances and tensions) make 17 MB of YAML and
~1M triples; 15,000 impacts make 5 MB.

    .venv/bin/python benchmarks/register.py --impacts 50000             # time `hrkg validate` on it
    .venv/bin/python benchmarks/register.py --impacts 50000 --write /tmp/register-50k.yaml   # only write it
    .venv/bin/python benchmarks/register.py --impacts 5000 --compare    # and check the findings against the N-Triples

``hrkg validate`` runs as the command line does (a child process: wall time, peak RSS); ``--compare`` also
validates the N-Triples the register was written from and requires the same findings (blank nodes aside).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from validate import LABEL, RDF_TYPE, B, H, generate

ORG = f"{B}org/bench"
NS = ORG + "/"

#: predicate -> section 3 key, per record class (the keys of data/context.jsonld the generator's triples use)
KEYS: dict[str, dict[str, str]] = {
    "Impact": {
        LABEL: "name",
        f"{H}system": "system",
        f"{H}affectsRight": "rights",
        f"{H}attribution": "attribution",
        f"{H}impactStatus": "status",
        f"{H}leverage": "leverage",
        f"{H}deferred": "deferred",
    },
    "LeverageAssessment": {f"{H}leverageLevel": "level", f"{H}availableMechanism": "mechanisms"},
    "Deferral": {f"{H}rationale": "rationale"},
    "Mitigation": {
        LABEL: "name",
        f"{H}addresses": "addresses",
        f"{H}action": "actions",
        f"{H}category": "category",
        f"{H}kind": "kind",
        f"{H}mitigationStatus": "status",
        f"{H}risksAssessed": "risksAssessed",
        f"{H}indicator": "indicators",
    },
    "Indicator": {LABEL: "name", f"{H}indicatorKind": "kind", f"{H}indicatorSource": "source"},
    "Remedy": {f"{H}remedyFor": "for", f"{H}mechanism": "mechanism"},
    "RiskAcceptance": {f"{H}acceptedImpact": "impact", f"{H}acceptanceBasis": "basis"},
    "RightsTension": {f"{H}rightInTension": "rights", f"{H}counterbalancing": "counterbalancing"},
    "CounterbalancingAssessment": {
        **{f"{H}{p}": p for p in ("revertingToPrinciple", "legitimacy", "necessity", "proportionality")},
        f"{H}nonDiscrimination": "nonDiscrimination",
        f"{H}outcome": "outcome",
    },
}
#: keys that hold a list in section 3 (the others hold one value)
LISTS = {"rights", "mechanisms", "addresses", "actions", "indicators", "for"}
COLLECTIONS = {
    f"{H}hasSystem": "systems",
    f"{H}hasImpact": "impacts",
    f"{H}hasMitigation": "mitigations",
    f"{H}hasRemedy": "remedies",
    f"{H}hasRiskAcceptance": "riskAcceptances",
    f"{H}hasTension": "tensions",
}


def _value(term: Any) -> Any:
    if isinstance(term, ox.Literal):
        return term.value == "true" if term.datatype.value.endswith("#boolean") else term.value
    text = str(term.value)
    if text.startswith(NS):
        return text.removeprefix(NS)  # a local id
    return text.removeprefix(B).partition("/")[2]  # an enumeration value: right/privacy -> privacy


def register(impacts: int, seed: int = 7) -> dict[str, Any]:
    """The section 3 document of ``validate.generate(impacts=...)``."""
    triples: dict[Any, list[tuple[str, Any]]] = defaultdict(list)
    types: dict[Any, str] = {}
    for q in ox.parse(generate(0, seed, impacts=impacts).encode(), format=ox.RdfFormat.N_TRIPLES):
        if q.predicate.value == RDF_TYPE:
            types[q.subject] = q.object.value.removeprefix(H)
        else:
            triples[q.subject].append((q.predicate.value, q.object))

    def record(subject: Any, with_id: bool) -> dict[str, Any]:
        keys = KEYS.get(types[subject], {})
        out: dict[str, Any] = {"id": _value(subject)} if with_id else {}
        for predicate, obj in triples[subject]:
            key = keys[predicate]
            value = record(obj, False) if isinstance(obj, ox.BlankNode) else _value(obj)
            if key in LISTS:
                out.setdefault(key, []).append(value)
            else:
                out[key] = value
        return out

    org = ox.NamedNode(ORG)
    doc: dict[str, Any] = {"organisation": {"id": "bench"}}
    for predicate, obj in triples[org]:
        if predicate == LABEL:
            doc["organisation"]["name"] = obj.value
        elif predicate == f"{H}hasRole":
            doc["organisation"]["roles"] = [_value(obj)]
        else:
            doc.setdefault(COLLECTIONS[predicate], []).append(obj)
    for key in COLLECTIONS.values():
        doc[key] = [record(s, True) for s in doc.get(key, [])]
    return doc


_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._-]*$")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _flow(value: Any) -> str:
    """A value in YAML flow style: plain where that reads back as the same string, quoted otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    text = str(value)
    return text if _PLAIN.match(text) and text.lower() not in _RESERVED else json.dumps(text)


def register_yaml(impacts: int, seed: int = 7) -> str:
    """The register as YAML: one record a line, the way large registers exported from a spreadsheet look."""
    doc = register(impacts, seed)
    lines = [f"organisation: {_flow(doc['organisation'])}"]
    for key in COLLECTIONS.values():
        lines.append(f"{key}:")
        lines += [f"  - {_flow(item)}" for item in doc[key]]
    return "\n".join(lines) + "\n"


CHILD = """
import json, resource, sys, time
from click.testing import CliRunner
from hrkg.cli import main
t0 = time.perf_counter()
result = CliRunner().invoke(main, ["validate", sys.argv[1], "--format", "json"])
elapsed = time.perf_counter() - t0
findings = json.loads(result.output)["findings"] if result.exit_code in (0, 1) else result.output
print(json.dumps({"seconds": elapsed, "exit": result.exit_code,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "findings": findings}))
"""


def run_cli(path: Path) -> dict[str, Any]:
    """``hrkg validate PATH --format json`` in a fresh interpreter (click's runner: the same code as the command)."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _keys(findings: list[dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    for f in findings:  # blank nodes get other labels in the two files: compare them by rule and count
        yield f["rule"], f["severity"], "_:" if f["focus"].startswith("_:") else f["focus"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--impacts", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", type=Path, help="only write the register to this file")
    parser.add_argument("--compare", action="store_true", help="also validate the N-Triples; require equal findings")
    args = parser.parse_args()
    t0 = time.perf_counter()
    text = register_yaml(args.impacts, args.seed)
    generated = time.perf_counter() - t0
    if args.write:
        args.write.write_text(text, encoding="utf-8")
        print(f"{args.write}: {args.impacts:,} impacts, {len(text.encode()) / 1e6:.1f} MB ({generated:.1f} s)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"register-{args.impacts}.yaml"
        path.write_text(text, encoding="utf-8")
        ours = run_cli(path)
        if ours["exit"] not in (0, 1):
            sys.exit(f"hrkg validate failed (exit {ours['exit']}): {ours['findings']}")
        print(
            f"{args.impacts:,} impacts, {len(text.encode()) / 1e6:.1f} MB YAML: hrkg validate {ours['seconds']:.2f} s, "
            f"peak RSS {ours['rss_mb']:.0f} MB, {len(ours['findings']):,} findings (exit {ours['exit']})"
        )
        if args.compare:
            nt = Path(tmp) / "register.nt"
            nt.write_text(generate(0, args.seed, impacts=args.impacts), encoding="utf-8")
            base = run_cli(nt)
            same = sorted(_keys(ours["findings"])) == sorted(_keys(base["findings"]))
            print(f"the same organisation as N-Triples: {base['seconds']:.2f} s, identical findings: {same}")
            if not same:
                sys.exit("findings differ between the YAML register and its N-Triples")


if __name__ == "__main__":
    main()
