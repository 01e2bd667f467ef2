"""What the ontology says about the guide's concepts (the guide, as ontology/README.md maps it), checked row by row."""

from __future__ import annotations

import pytest

from conftest import PREFIXES, rows
from hrkg.store import Store

B = "https://w3id.org/hrkg/"


def ids(store: Store, query: str, *variables: str) -> list[tuple[str, ...]]:
    """Rows with the hrkg base IRI removed, so expectations read like catalogue ids."""
    return [tuple(v.removeprefix(B) for v in row) for row in rows(store.query(PREFIXES + query), *variables)]


def test_attribution_spectrum_in_order(store: Store) -> None:
    got = ids(
        store, "SELECT ?l ?n WHERE { ?l a hrkg:AttributionLevel ; hrkg:spectrumPosition ?n } ORDER BY ?n", "l", "n"
    )
    assert got == [
        ("attribution/cause", "1"),
        ("attribution/contribute", "2"),
        ("attribution/directly-linked", "3"),
        ("attribution/not-linked", "4"),
    ]


def test_closer_than_is_transitive_order(store: Store) -> None:
    got = ids(
        store,
        "SELECT ?a ?b WHERE { ?a hrkg:closerThan+ ?b } ORDER BY ?a ?b",
        "a",
        "b",
    )
    levels = ["cause", "contribute", "directly-linked", "not-linked"]
    expected = sorted((f"attribution/{a}", f"attribution/{b}") for i, a in enumerate(levels) for b in levels[i + 1 :])
    assert sorted(set(got)) == expected


def test_appropriate_action_for_each_attribution_level(store: Store) -> None:
    got = ids(store, "SELECT ?l ?a WHERE { ?l hrkg:callsFor ?a } ORDER BY ?l ?a", "l", "a")
    assert got == [
        ("attribution/cause", "action/cease"),
        ("attribution/cause", "action/prevent"),
        ("attribution/cause", "action/remedy"),
        ("attribution/contribute", "action/cease"),
        ("attribution/contribute", "action/prevent"),
        ("attribution/contribute", "action/remedy"),
        ("attribution/contribute", "action/use-leverage"),
        ("attribution/directly-linked", "action/use-leverage"),
    ]


def test_each_attribution_level_has_the_guides_example(store: Store) -> None:
    got = ids(store, "SELECT ?l ?e WHERE { ?l a hrkg:AttributionLevel ; skos:example ?e } ORDER BY ?l", "l", "e")
    examples = dict(got)
    assert "surveil" in examples["attribution/cause"].lower()
    assert "dataset" in examples["attribution/contribute"].lower()
    assert "jailbr" in examples["attribution/directly-linked"].lower()


def test_address_groups_avoid_cease_prevent_mitigate(store: Store) -> None:
    got = ids(store, "SELECT ?a WHERE { ?a hrkg:partOfAction <https://w3id.org/hrkg/action/address> } ORDER BY ?a", "a")
    assert got == [("action/avoid",), ("action/cease",), ("action/mitigate",), ("action/prevent",)]


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        ("ContributionFactor", ["due-diligence-failure", "facilitating-enabling", "incentivising-motivating"]),
        (
            "LeverageMechanism",
            [
                "collaboration",
                "contractual-requirements",
                "direct-engagement",
                "due-diligence-processes",
                "training",
                "ux-design",
            ],
        ),
        ("LeverageLevel", ["high", "low", "medium", "none"]),
        ("SeverityLevel", ["critical", "high", "low", "medium"]),
        (
            "MitigationPrinciple",
            [
                "identify-mitigation-risks",
                "integrate-across-organisation",
                "no-risk-tolerance-or-offsetting",
                "prioritise-by-severity",
                "track-effectiveness",
            ],
        ),
        (
            "MitigationCategory",
            ["collaborative", "policy", "process", "technical-product", "transparency-communication"],
        ),
        ("RiskDirection", ["downstream", "upstream"]),
        ("CounterbalancingOutcome", ["range", "single"]),
        ("ImpactStatus", ["actual", "potential"]),
        ("MitigationStatus", ["implemented", "planned"]),
        ("IndicatorKind", ["qualitative", "quantitative"]),
        ("IndicatorSource", ["affected-stakeholders", "external", "internal"]),
        ("AcceptanceBasis", ["offsetting", "tolerance"]),
    ],
)
def test_enumerations_hold_exactly_the_catalogue_ids(store: Store, cls: str, expected: list[str]) -> None:
    got = rows(store.query(PREFIXES + f"SELECT ?x WHERE {{ ?x a hrkg:{cls} }} ORDER BY ?x"), "x")
    assert [x.rsplit("/", 1)[-1] for (x,) in got] == expected


def test_every_contribution_factor_has_an_example(store: Store) -> None:
    got = ids(store, "SELECT ?f WHERE { ?f a hrkg:ContributionFactor ; skos:example ?e } ORDER BY ?f", "f")
    assert len(got) == 3


def test_principles_are_grounded_in_the_ungps_the_guide_cites(store: Store) -> None:
    got = ids(
        store, "SELECT ?p ?u WHERE { ?p a hrkg:MitigationPrinciple ; hrkg:groundedIn ?u } ORDER BY ?p ?u", "p", "u"
    )
    assert ("principle/no-risk-tolerance-or-offsetting", "ungp/principle/11") in got
    assert ("principle/integrate-across-organisation", "ungp/principle/19") in got
    assert ("principle/track-effectiveness", "ungp/principle/20") in got


def test_mitigation_sits_in_the_third_and_fourth_due_diligence_steps(store: Store) -> None:
    got = ids(
        store,
        "SELECT ?s ?n ?m WHERE { ?s a hrkg:DueDiligenceStep ; hrkg:stepNumber ?n ; hrkg:includesMitigation ?m } "
        "ORDER BY ?n",
        "s",
        "n",
        "m",
    )
    assert [(n, m) for _, n, m in got] == [("1", "false"), ("2", "false"), ("3", "true"), ("4", "true"), ("5", "false")]
    assert got[2][0] == "dd-step/integrate-and-act"
    assert got[3][0] == "dd-step/track-effectiveness"


def test_five_counterbalancing_tests_with_questions_in_order(store: Store) -> None:
    got = ids(
        store,
        """SELECT ?t ?n ?q ?p WHERE { ?t a hrkg:CounterbalancingTest ; hrkg:testOrder ?n ; hrkg:guidingQuestion ?q ;
             hrkg:answeredBy ?p } ORDER BY ?n""",
        "t",
        "n",
        "q",
        "p",
    )
    assert [(t, n) for t, n, _, _ in got] == [
        ("counterbalancing-test/reverting-to-principle", "1"),
        ("counterbalancing-test/legitimacy", "2"),
        ("counterbalancing-test/necessity", "3"),
        ("counterbalancing-test/proportionality", "4"),
        ("counterbalancing-test/non-discrimination", "5"),
    ]
    assert all(q.endswith("?") for _, _, q, _ in got)
    assert [p.rsplit("#", 1)[-1] for *_, p in got] == [
        "revertingToPrinciple",
        "legitimacy",
        "necessity",
        "proportionality",
        "nonDiscrimination",
    ]


def test_two_categories_are_often_overemphasised(store: Store) -> None:
    got = ids(
        store,
        "SELECT ?c ?o WHERE { ?c a hrkg:MitigationCategory ; hrkg:categoryOrder ?n ; hrkg:oftenOveremphasised ?o } "
        "ORDER BY ?n",
        "c",
        "o",
    )
    assert got == [
        ("category/technical-product", "true"),
        ("category/policy", "true"),
        ("category/process", "false"),
        ("category/transparency-communication", "false"),
        ("category/collaborative", "false"),
    ]


def test_value_chain_order_and_duty_bearers(store: Store) -> None:
    chain = ids(store, "SELECT ?r ?n WHERE { ?r a hrkg:ValueChainRole ; hrkg:chainPosition ?n } ORDER BY ?n", "r", "n")
    assert [r for r, _ in chain] == [
        "role/supplier",
        "role/foundation-model-developer",
        "role/downstream-developer",
        "role/deployer",
        "role/user",
    ]
    duty = ids(store, "SELECT ?r WHERE { ?r a hrkg:DutyBearingRole } ORDER BY ?r", "r")
    assert ("role/user",) not in duty
    assert len(duty) == 4
    upstream = ids(store, "SELECT ?b WHERE { <https://w3id.org/hrkg/role/supplier> hrkg:upstreamOf+ ?b }", "b")
    assert len(set(upstream)) == 4


def test_privacy_is_an_enabling_right(store: Store) -> None:
    got = ids(store, "SELECT ?r WHERE { ?r a hrkg:EnablingRight }", "r")
    assert ("right/privacy",) in got
    enabled = ids(store, "SELECT ?o WHERE { <https://w3id.org/hrkg/right/privacy> hrkg:enablesRight ?o }", "o")
    assert ("right/freedom-of-expression",) in enabled


def test_every_class_and_property_is_defined_by_its_module(store: Store) -> None:
    got = ids(
        store,
        """SELECT ?m (COUNT(?t) AS ?n) WHERE { ?t rdfs:isDefinedBy ?m } GROUP BY ?m ORDER BY ?m""",
        "m",
        "n",
    )
    modules = {m for m, _ in got}
    assert modules == {
        f"ontology/{m}" for m in ("core", "rights", "tensions", "mitigation", "valuechain", "organisation")
    }
