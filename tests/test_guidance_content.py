"""The guide's statements as instance data (data/guidance/attribution.ttl, tensions.ttl, mitigations.ttl):
action requirements, leverage statements, caveats, tensions and the elections counterbalancing example,
mitigation risks and the section 3 category examples."""

from __future__ import annotations

from conftest import PREFIXES, rows
from hrkg.store import Store

H = "https://w3id.org/hrkg/"


def _short(iri: str) -> str:
    return iri.removeprefix(H)


def test_action_requirements_agree_exactly_with_calls_for(store: Store) -> None:
    reqs = rows(
        store.query(
            PREFIXES
            + "SELECT ?l ?a WHERE { ?r a hrkg:ActionRequirement ; hrkg:forAttribution ?l ; hrkg:requiresAction ?a }"
        ),
        "l",
        "a",
    )
    calls = rows(store.query(PREFIXES + "SELECT ?l ?a WHERE { ?l hrkg:callsFor ?a }"), "l", "a")
    assert sorted(reqs) == sorted(calls)
    assert len(reqs) == 8


def test_action_requirement_iris_modality_and_conditions(store: Store) -> None:
    got = {
        _short(r): (_short(lvl), _short(act), mod, cond)
        for r, lvl, act, mod, cond in rows(
            store.query(
                PREFIXES
                + """SELECT ?r ?l ?a ?m ?c WHERE { ?r a hrkg:ActionRequirement ; hrkg:forAttribution ?l ;
                      hrkg:requiresAction ?a ; hrkg:modality ?m ;
                      dcterms:source <https://w3id.org/hrkg/guide/section/1.1> .
                      OPTIONAL { ?r hrkg:condition ?c } }"""
            ),
            "r",
            "l",
            "a",
            "m",
            "c",
        )
    }
    for iri, (lvl, act, mod, _c) in got.items():
        assert iri == f"action-requirement/{lvl.split('/')[1]}-{act.split('/')[1]}"
        assert mod == ("must" if lvl == "attribution/cause" else "should")
    assert "occurred" in got["action-requirement/cause-remedy"][3]
    assert "occurred" in got["action-requirement/contribute-remedy"][3]
    assert "remain" in got["action-requirement/contribute-use-leverage"][3]


def test_leverage_statements_use_and_increase(store: Store) -> None:
    got = rows(
        store.query(PREFIXES + "SELECT ?a WHERE { ?s a hrkg:LeverageStatement ; hrkg:requiresAction ?a } ORDER BY ?a"),
        "a",
    )
    assert [_short(a) for (a,) in got] == ["action/increase-leverage", "action/use-leverage"]


def test_caveats_limit_the_attribution_analysis(store: Store) -> None:
    got = {
        _short(c)
        for (c,) in rows(
            store.query(
                PREFIXES + "SELECT DISTINCT ?c WHERE { ?c a hrkg:GuidanceCaveat ; hrkg:concerns ?x . "
                "FILTER(STRSTARTS(STR(?x), 'https://w3id.org/hrkg/attribution/')) }"
            ),
            "c",
        )
    }
    assert {"caveat/attribution-analysis-not-always-needed", "caveat/contribute-linked-boundary-blurs"} <= got


def test_tensions_and_their_rights(store: Store) -> None:
    got: dict[str, set[str]] = {}
    for t, r in rows(
        store.query(PREFIXES + "SELECT ?t ?r WHERE { ?t a hrkg:RightsTension ; hrkg:rightInTension ?r }"), "t", "r"
    ):
        got.setdefault(_short(t), set()).add(_short(r))
    assert got == {
        "tension/helpfulness-vs-harmfulness": {"right/access-to-information", "right/non-discrimination"},
        "tension/elections": {"right/access-to-information", "right/political-participation"},
        "tension/privacy-vs-misuse-monitoring": {"right/privacy"},
    }


def test_elections_assessment_has_one_conclusion_per_test_and_no_invented_outcome(store: Store) -> None:
    got = rows(
        store.query(
            PREFIXES
            + """SELECT ?c ?t WHERE { <https://w3id.org/hrkg/tension/elections> hrkg:counterbalancing ?a .
                 ?a hrkg:conclusion ?c . ?c hrkg:appliesTest ?t ; hrkg:conclusionText ?x } ORDER BY ?c"""
        ),
        "c",
        "t",
    )
    assert len(got) == 5
    for c, t in got:
        assert _short(c) == "counterbalancing/elections/" + t.rsplit("/", 1)[1]
    assert not store.query(
        PREFIXES + "ASK { <https://w3id.org/hrkg/counterbalancing/elections> hrkg:outcome ?o }"
    ).boolean


def test_mitigation_risks_match_the_may_restrict_shortcut(store: Store) -> None:
    via_nodes = rows(
        store.query(
            PREFIXES + "SELECT DISTINCT ?m ?r WHERE { ?x a hrkg:MitigationRisk ; "
            "hrkg:riskOfMitigation ?m ; hrkg:restrictsRight ?r }"
        ),
        "m",
        "r",
    )
    shortcut = rows(store.query(PREFIXES + "SELECT DISTINCT ?m ?r WHERE { ?m hrkg:mayRestrictRight ?r }"), "m", "r")
    assert sorted(via_nodes) == sorted(shortcut)
    unnamed = rows(
        store.query(
            PREFIXES + "SELECT ?x WHERE { ?x a hrkg:MitigationRisk . FILTER NOT EXISTS { ?x hrkg:restrictsRight ?r } }"
        ),
        "x",
    )
    assert {_short(x) for (x,) in unnamed} >= {
        "mitigation-risk/privacy-preserving-hampers-misuse-monitoring",
        "mitigation-risk/model-alignment-limitations",
        "mitigation-risk/managed-rollout-restricted-access",
    }


def test_every_category_has_the_guides_examples(store: Store) -> None:
    got: dict[str, set[str]] = {}
    for c, m in rows(
        store.query(PREFIXES + "SELECT ?c ?m WHERE { ?m a hrkg:MitigationMeasure ; hrkg:inCategory ?c }"), "c", "m"
    ):
        got.setdefault(_short(c).split("/")[1], set()).add(_short(m).split("/")[1])
    assert {
        "data-quality-efforts",
        "ux-design-choices",
        "user-empowerment",
        "automated-detection-and-enforcement",
    } <= got["technical-product"]
    assert {
        "acceptable-use-policy",
        "contractual-clauses",
        "data-access-policy",
        "policy-enforcement-processes",
    } <= got["policy"]
    assert {"sales-due-diligence", "ongoing-impact-assessment", "employee-customer-training"} <= got["process"]
    assert {"data-documentation", "white-papers", "model-system-cards", "developer-guidance"} <= got[
        "transparency-communication"
    ]
    assert {"multi-stakeholder-fora", "standards-setting-participation", "policymaker-engagement"} <= got[
        "collaborative"
    ]


def test_privacy_preserving_approaches_protect_privacy(store: Store) -> None:
    assert store.query(
        PREFIXES + "ASK { <https://w3id.org/hrkg/mitigation/privacy-preserving-approaches> hrkg:protectsRight "
        "<https://w3id.org/hrkg/right/privacy> }"
    ).boolean


def test_series_numbers_are_one_to_eight_once_each(store: Store) -> None:
    got = rows(
        store.query(
            PREFIXES + "SELECT ?g ?n WHERE { ?g hrkg:inSeries <https://w3id.org/hrkg/resource/"
            "bsr-responsible-ai-practitioner-guides> ; hrkg:seriesNumber ?n } ORDER BY ?n"
        ),
        "g",
        "n",
    )
    assert [int(n) for _g, n in got] == list(range(1, 9))
    assert {int(n): _short(g) for g, n in got}[4] == "guide"


def test_key_points_are_numbered_without_gaps(store: Store) -> None:
    """Top-level points 1..4; the first point's sub-points 1..5; every point sourced to the summary."""
    got = rows(
        store.query(
            PREFIXES + "SELECT ?k ?o ?p WHERE { ?k a hrkg:KeyPoint ; hrkg:keyPointOrder ?o ; "
            "dcterms:source <https://w3id.org/hrkg/guide/section/summary> . OPTIONAL { ?k hrkg:subPointOf ?p } }"
        ),
        "k",
        "o",
        "p",
    )
    by_parent: dict[str, list[int]] = {}
    for _k, o, p in got:
        by_parent.setdefault(_short(p) if p else "", []).append(int(o))
    assert {k: sorted(v) for k, v in by_parent.items()} == {"": [1, 2, 3, 4], "key-point/key-aspects": [1, 2, 3, 4, 5]}


def test_every_referral_names_one_document_a_topic_and_where_the_guide_makes_it(store: Store) -> None:
    bad = rows(
        store.query(
            PREFIXES
            + """SELECT ?r WHERE { ?r a hrkg:Referral .
                 FILTER NOT EXISTS { ?r hrkg:refersTo ?d ; hrkg:referredFor ?t ; dcterms:source ?s .
                                     ?d a/rdfs:subClassOf* hrkg:SourceDocument .
                                     FILTER(STRSTARTS(STR(?s), "https://w3id.org/hrkg/guide/")) } }"""
        ),
        "r",
    )
    assert bad == []
    assert len(rows(store.query(PREFIXES + "SELECT ?r WHERE { ?r a hrkg:Referral }"), "r")) >= 25
