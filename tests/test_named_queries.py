"""Each named query gives the expected rows for representative parameters (checked against the guide)."""

from __future__ import annotations

import itertools

import pytest

from hrkg.queries import QueryLibrary
from hrkg.store import QueryResult, Store

BASE = "https://w3id.org/hrkg/"


@pytest.fixture(scope="module")
def lib(store: Store) -> QueryLibrary:
    return QueryLibrary(store)


def col(result: QueryResult, var: str) -> list[str]:
    """One column, IRIs without the hrkg base, in result order ("" where unbound)."""
    return [row[var].value.removeprefix(BASE) if var in row else "" for row in result.rows]


def table(result: QueryResult, *variables: str) -> list[tuple[str, ...]]:
    return list(zip(*(col(result, v) for v in variables), strict=True))


def split(cell: str) -> set[str]:
    return {part.strip() for part in cell.replace(";", ",").split(",") if part.strip()}


# --- section 1: foundations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribution", "expected"),
    [
        ("cause", [("action/cease", "must"), ("action/prevent", "must"), ("action/remedy", "must")]),
        (
            "contribute",
            [
                ("action/cease", "should"),
                ("action/prevent", "should"),
                ("action/remedy", "should"),
                ("action/use-leverage", "should"),
            ],
        ),
        ("directly-linked", [("action/use-leverage", "should")]),
        ("not-linked", []),
    ],
)
def test_appropriate_actions(lib: QueryLibrary, attribution: str, expected: list[tuple[str, str]]) -> None:
    result = lib.run("appropriate-actions", {"attribution": attribution})
    assert table(result, "action", "modality") == expected
    if attribution != "not-linked":
        assert all("guide §1.1" in s for s in col(result, "source"))


def test_remedy_only_once_the_impact_occurs(lib: QueryLibrary) -> None:
    result = lib.run("appropriate-actions", {"attribution": "cause"})
    conditions = dict(table(result, "action", "condition"))
    assert "occurred" in conditions["action/remedy"]


def test_attribution_spectrum(lib: QueryLibrary) -> None:
    result = lib.run("attribution-spectrum")
    assert table(result, "position", "level") == [
        ("1", "attribution/cause"),
        ("2", "attribution/contribute"),
        ("3", "attribution/directly-linked"),
        ("4", "attribution/not-linked"),
    ]
    assert [split(a) for a in col(result, "actions")] == [
        {"cease", "prevent", "remedy"},
        {"cease", "prevent", "remedy", "use leverage"},
        {"use leverage"},
        set(),
    ]


def test_actions(lib: QueryLibrary) -> None:
    result = lib.run("actions")
    assert table(result, "action", "partOf") == [
        ("action/address", ""),
        ("action/avoid", "address"),
        ("action/cease", "address"),
        ("action/increase-leverage", ""),
        ("action/mitigate", "address"),
        ("action/prevent", "address"),
        ("action/remedy", ""),
        ("action/use-leverage", ""),
    ]


def test_contribution_factors(lib: QueryLibrary) -> None:
    result = lib.run("contribution-factors")
    assert col(result, "factor") == [
        "contribution-factor/due-diligence-failure",
        "contribution-factor/facilitating-enabling",
        "contribution-factor/incentivising-motivating",
    ]
    assert all(col(result, "example"))


def test_leverage_mechanisms(lib: QueryLibrary) -> None:
    result = lib.run("leverage-mechanisms")
    got = {m: split(a) for m, a in table(result, "mechanism", "alsoMitigation")}
    assert got == {
        "leverage-mechanism/ux-design": {"UX design choices"},
        "leverage-mechanism/collaboration": {
            "collaborative action on cumulative impacts",
            "engagement with policymakers",
            "participation in standards-setting processes",
            "participation in multi-stakeholder fora",
        },
        "leverage-mechanism/contractual-requirements": {"contractual clauses"},
        "leverage-mechanism/direct-engagement": {"engaging directly with the responsible party"},
        "leverage-mechanism/due-diligence-processes": {"sales due diligence"},
        "leverage-mechanism/training": {"employee and customer training"},
    }


def test_leverage_principle(lib: QueryLibrary) -> None:
    result = lib.run("leverage-principle")
    assert table(result, "action", "modality") == [("increase leverage", "should"), ("use leverage", "should")]


def test_principles_and_their_ungp_grounding(lib: QueryLibrary) -> None:
    result = lib.run("principles")
    assert table(result, "principle", "ungp") == [
        ("principle/identify-mitigation-risks", ""),
        ("principle/integrate-across-organisation", "UNGP 19"),
        ("principle/no-risk-tolerance-or-offsetting", "UNGP 11"),
        ("principle/prioritise-by-severity", "UNGP 24"),
        ("principle/track-effectiveness", "UNGP 20"),
    ]
    sources = dict(table(result, "principle", "source"))
    assert "guide footnote 5" in sources["principle/prioritise-by-severity"]


def test_due_diligence_steps(lib: QueryLibrary) -> None:
    result = lib.run("due-diligence-steps")
    assert table(result, "number", "includesMitigation", "ungp") == [
        ("1", "false", "UNGP 16"),
        ("2", "false", "UNGP 18"),
        ("3", "true", "UNGP 19"),
        ("4", "true", "UNGP 20"),
        ("5", "false", "UNGP 21"),
    ]


def test_ungp_principles_cited_for(lib: QueryLibrary) -> None:
    result = lib.run("ungp-principles")
    assert col(result, "number") == ["11", "13", "16", "17", "18", "19", "20", "21", "22", "24"]
    cited = {n for n, c in table(result, "number", "citedFor") if c}
    assert {"11", "19", "20"} <= cited


def test_guidance_caveats(lib: QueryLibrary) -> None:
    result = lib.run("guidance-caveats")
    assert set(col(result, "caveat")) == {
        "caveat/attribution-analysis-not-always-needed",
        "caveat/contribute-linked-boundary-blurs",
        "caveat/attribution-flowchart-illustrative",
        "caveat/not-linked-no-action-stated",
        "caveat/counterbalancing-no-fixed-outcome",
        "caveat/perfect-mitigation-impossible",
        "caveat/mitigations-illustrative",
        "caveat/effective-mitigation-depends-on-context",
    }


# --- section 2: tensions ------------------------------------------------------------------------


def test_tensions(lib: QueryLibrary) -> None:
    result = lib.run("tensions")
    assert [
        (t, split(r.replace(" / ", ",")), c) for t, r, c in table(result, "tension", "rights", "counterbalanced")
    ] == [
        ("tension/elections", {"Right to political participation", "Right of access to information"}, "true"),
        (
            "tension/helpfulness-vs-harmfulness",
            {"Right to non-discrimination", "Right of access to information"},
            "false",
        ),
        ("tension/privacy-vs-misuse-monitoring", {"Right to privacy"}, "false"),
    ]


def test_counterbalancing_tests(lib: QueryLibrary) -> None:
    result = lib.run("counterbalancing-tests")
    assert col(result, "test") == [
        "counterbalancing-test/reverting-to-principle",
        "counterbalancing-test/legitimacy",
        "counterbalancing-test/necessity",
        "counterbalancing-test/proportionality",
        "counterbalancing-test/non-discrimination",
    ]
    assert all(q.endswith("?") for q in col(result, "question"))


def test_elections_counterbalancing_example(lib: QueryLibrary) -> None:
    result = lib.run("counterbalancing-example", {"tension": "elections"})
    assert col(result, "test") == [
        "reverting to principle",
        "legitimacy",
        "necessity",
        "proportionality",
        "non-discrimination",
    ]
    conclusions = dict(zip(col(result, "test"), col(result, "conclusion"), strict=True))
    assert "legitimate" in conclusions["legitimacy"]
    assert "may or may not" in conclusions["necessity"]
    assert "election" in conclusions["proportionality"]
    assert lib.run("counterbalancing-example", {"tension": "helpfulness-vs-harmfulness"}).rows == []


def test_rights_in_the_elections_tension_and_their_articles(lib: QueryLibrary) -> None:
    result = lib.run("tension-rights", {"tension": "elections"})
    assert table(result, "right", "article") == [
        ("right/access-to-information", "instrument/crc/article/17"),
        ("right/access-to-information", "instrument/iccpr/article/19"),
        ("right/access-to-information", "instrument/udhr/article/19"),
        ("right/political-participation", "instrument/iccpr/article/25"),
        ("right/political-participation", "instrument/udhr/article/21"),
    ]


def test_mitigation_risks(lib: QueryLibrary) -> None:
    result = lib.run("mitigation-risks")
    assert sorted(table(result, "mitigation", "restrictsRight")) == [
        ("mitigation/elections-content-restriction", "Right of access to information"),
        ("mitigation/managed-model-rollout", ""),
        ("mitigation/model-alignment", ""),
        ("mitigation/model-alignment", "Right of access to information"),
        ("mitigation/model-safety-measures", "Right of access to information"),
        ("mitigation/privacy-preserving-approaches", ""),
    ]


# --- sections 3 and 4: mitigations --------------------------------------------------------------


def test_mitigation_categories(lib: QueryLibrary) -> None:
    result = lib.run("mitigation-categories")
    assert table(result, "category", "oftenOveremphasised") == [
        ("category/technical-product", "true"),
        ("category/policy", "true"),
        ("category/process", "false"),
        ("category/transparency-communication", "false"),
        ("category/collaborative", "false"),
    ]
    members = dict(zip(col(result, "category"), (split(m) for m in col(result, "mitigations")), strict=True))
    assert {"sales due diligence", "ongoing impact assessment", "ongoing model evaluation"} <= members[
        "category/process"
    ]
    assert {"data documentation", "model or system cards", "white papers", "developer guidance"} <= members[
        "category/transparency-communication"
    ]
    assert "participation in multi-stakeholder fora" in members["category/collaborative"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "supplier",
            [
                "mitigation/data-cleaning",
                "mitigation/data-documentation",
                "mitigation/differential-privacy",
                "mitigation/federated-learning",
                "mitigation/on-device-processing",
                "mitigation/privacy-preserving-approaches",
            ],
        ),
        ("user", []),
    ],
)
def test_mitigations_for_role(lib: QueryLibrary, role: str, expected: list[str]) -> None:
    assert col(lib.run("mitigations-for-role", {"role": role}), "mitigation") == expected


def test_mitigations_for_role_deployer(lib: QueryLibrary) -> None:
    got = set(col(lib.run("mitigations-for-role", {"role": "deployer"}), "mitigation"))
    assert {
        "mitigation/human-oversight",
        "mitigation/policy-development-and-enforcement",
        "mitigation/terms-of-service",
        "mitigation/acceptable-use-policy",
        "mitigation/model-policy",
        "mitigation/content-policy",
    } <= got
    assert "mitigation/data-documentation" not in got


def test_mitigations_for_right_through_an_enabling_right(lib: QueryLibrary) -> None:
    result = lib.run("mitigations-for-right", {"right": "freedom-of-expression"})
    assert set(col(result, "relation")) == {"protects an enabling right"}
    assert set(col(result, "via")) == {"Right to privacy"}
    assert "mitigation/privacy-preserving-approaches" in col(result, "mitigation")


def test_mitigations_that_may_restrict_access_to_information(lib: QueryLibrary) -> None:
    result = lib.run("mitigations-for-right", {"right": "access-to-information"})
    assert table(result, "relation", "mitigation") == [
        ("may restrict", "mitigation/model-alignment"),
        ("may restrict", "mitigation/model-safety-measures"),
        ("may restrict", "mitigation/elections-content-restriction"),
    ]


@pytest.mark.parametrize(
    ("kind", "count", "section"),
    [
        ("data-documentation", 4, "4.1"),
        ("managed-model-rollout", 5, "4.2"),
        ("sales-due-diligence", 3, "4.3"),
        ("human-oversight", 5, "4.4"),
    ],
)
def test_integration_steps_per_kind(lib: QueryLibrary, kind: str, count: int, section: str) -> None:
    result = lib.run("integration-steps", {"kind": kind})
    assert col(result, "step") == [f"integration-step/{kind}-{n}" for n in range(1, count + 1)]
    assert set(col(result, "source")) == {f"guide §{section}"}


def test_integration_steps_all(lib: QueryLibrary) -> None:
    assert len(lib.run("integration-steps").rows) == 17


def test_addressed_risks_for_deployers(lib: QueryLibrary) -> None:
    result = lib.run("addressed-risks", {"role": "deployer"})
    assert table(result, "risk", "direction") == [
        ("addressed-risk/human-oversight-2", "downstream"),
        ("addressed-risk/human-oversight-1", "upstream"),
        ("addressed-risk/policy-development-and-enforcement-1", ""),
    ]


def test_mitigation_techniques(lib: QueryLibrary) -> None:
    result = lib.run("mitigation-techniques")
    assert table(result, "approach", "technique") == [
        ("mitigation/model-alignment", "mitigation/rlaif"),
        ("mitigation/model-alignment", "mitigation/rlhf"),
        ("mitigation/model-alignment", "mitigation/rule-based-rewards"),
        ("mitigation/privacy-preserving-approaches", "mitigation/data-cleaning"),
        ("mitigation/privacy-preserving-approaches", "mitigation/differential-privacy"),
        ("mitigation/privacy-preserving-approaches", "mitigation/federated-learning"),
        ("mitigation/privacy-preserving-approaches", "mitigation/on-device-processing"),
    ]


def test_one_mitigation_in_full(lib: QueryLibrary) -> None:
    result = lib.run("mitigation", {"kind": "human-oversight"})
    aspects = table(result, "aspect", "value")
    assert ("3 value-chain role", "deployer") in aspects
    assert ("7 addresses risk", "upstream: failure of built-in safeguards") in aspects
    assert next(v for a, v in aspects if a == "8 integration step").startswith("1. ")
    assert len([a for a, _ in aspects if a == "8 integration step"]) == 5
    assert ("9 source", "guide §4.4") in aspects
    assert not [a for a, _ in aspects if a == "2 category"]  # the guide gives human oversight no category


def test_value_chain(lib: QueryLibrary) -> None:
    result = lib.run("value-chain")
    assert table(result, "role", "dutyBearer", "next") == [
        ("role/supplier", "true", "foundation model developer"),
        ("role/foundation-model-developer", "true", "downstream developer"),
        ("role/downstream-developer", "true", "deployer"),
        ("role/deployer", "true", "user"),
        ("role/user", "false", ""),
    ]


# --- recommend ----------------------------------------------------------------------------------


def _parts(result: QueryResult) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part, item in table(result, "part", "item"):
        out.setdefault(part, set()).add(item)
    return out


def test_recommend_for_a_deployer_causing_a_privacy_impact(lib: QueryLibrary) -> None:
    result = lib.run("recommend", {"role": "deployer", "right": "privacy", "attribution": "cause"})
    parts = _parts(result)
    assert parts["1 action owed"] == {"action/cease", "action/prevent", "action/remedy"}
    assert "2 leverage mechanism" not in parts  # causing actors are not told to use leverage
    candidates = parts["3 candidate mitigation"]
    assert {
        "mitigation/human-oversight",
        "mitigation/terms-of-service",
        "mitigation/privacy-preserving-approaches",
        "mitigation/privacy-by-design",
    } <= candidates
    categories = {c for p, c in table(result, "part", "category") if p == "3 candidate mitigation" and c}
    assert categories == {
        "technical / product actions",
        "policies",
        "processes",
        "transparency / communications",
        "collaborative actions",
    }
    assert "caveat/attribution-analysis-not-always-needed" in parts["4 caveat"]


def test_recommend_for_a_linked_supplier_lists_leverage_mechanisms(lib: QueryLibrary) -> None:
    result = lib.run("recommend", {"role": "supplier", "right": "non-discrimination", "attribution": "directly-linked"})
    parts = _parts(result)
    assert parts["1 action owed"] == {"action/use-leverage"}
    assert len(parts["2 leverage mechanism"]) == 6
    restricted = {i: r for p, i, r in table(result, "part", "item", "mayRestrict") if p == "3 candidate mitigation"}
    assert restricted["mitigation/model-safety-measures"] == "Right of access to information"


def test_recommend_owes_nothing_when_not_linked(lib: QueryLibrary) -> None:
    result = lib.run("recommend", {"role": "deployer", "right": "privacy", "attribution": "not-linked"})
    assert set(_parts(result)) == {"4 caveat"}
    assert "caveat/not-linked-no-action-stated" in col(result, "item")


# --- rights and sources -------------------------------------------------------------------------


def test_rights_catalogue_query(lib: QueryLibrary) -> None:
    result = lib.run("rights")
    rows = {r: (split(a), e) for r, a, e in table(result, "right", "articles", "enabling")}
    assert rows["right/privacy"] == ({"CRC Art. 16", "ICCPR Art. 17", "UDHR Art. 12"}, "true")
    assert rows["right/political-participation"][0] == {"ICCPR Art. 25", "UDHR Art. 21"}
    assert rows["right/political-participation"][1] == "false"


def test_right_articles(lib: QueryLibrary) -> None:
    result = lib.run("right-articles", {"right": "privacy"})
    assert table(result, "citation", "permitsLimitation") == [
        ("CRC Art. 16", "true"),
        ("ICCPR Art. 17", "true"),
        ("UDHR Art. 12", ""),
    ]


def test_instrument_articles(lib: QueryLibrary) -> None:
    assert col(lib.run("instrument-articles", {"instrument": "udhr"}), "number") == [str(n) for n in range(1, 31)]
    iccpr = lib.run("instrument-articles", {"instrument": "iccpr"})
    assert col(iccpr, "number") == [str(n) for n in range(1, 28)]
    assert dict(table(iccpr, "number", "part"))["25"] == "Part III"


def test_enabling_rights(lib: QueryLibrary) -> None:
    result = lib.run("enabling-rights")
    assert set(col(result, "right")) == {"right/privacy"}
    assert {"right/freedom-of-expression", "right/physical-safety"} <= set(col(result, "enables"))


def test_limitation_articles_include_footnote_9(lib: QueryLibrary) -> None:
    citations = set(col(lib.run("limitation-articles"), "citation"))
    assert {"ICCPR Art. 4", "ICCPR Art. 17", "ICCPR Art. 19"} <= citations


def test_key_resources(lib: QueryLibrary) -> None:
    result = lib.run("key-resources")
    assert set(col(result, "resource")) == {
        "resource/un-btech-end-use",
        "resource/oecd-dd-guidance-responsible-ai",
        "resource/pai-open-foundation-model-value-chain",
        "resource/pai-safe-foundation-model-deployment",
        "resource/foundation-model-development-cheatsheet",
        "resource/hugging-face-data-quality",
    }


def test_guide_sections(lib: QueryLibrary) -> None:
    assert col(lib.run("guide-sections"), "number") == [
        "1",
        "1.1",
        "1.2",
        "1.3",
        "2",
        "2.1",
        "3",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "4",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "5",
        "summary",
    ]


def test_sources_of_a_principle(lib: QueryLibrary) -> None:
    result = lib.run("sources", {"term": "principle/no-risk-tolerance-or-offsetting"})
    assert col(result, "citation") == ["UNGP 11", "guide footnote 6", "guide summary", "guide §1.3"]


def test_sources_of_a_class(lib: QueryLibrary) -> None:
    result = lib.run("sources", {"term": "CausingActor"})
    assert "guide §1.1" in col(result, "citation")


# --- every parameter matters --------------------------------------------------------------------

SAMPLES = {
    "attribution": ["cause", "directly-linked", "not-linked"],
    "role": ["supplier", "deployer", "user"],
    "right": ["privacy", "access-to-information", "work"],
    "mitigation": ["human-oversight", "data-documentation", "model-alignment"],
    "tension": ["elections", "helpfulness-vs-harmfulness"],
    "instrument": ["udhr", "icescr"],
    "term": ["right/privacy", "CausingActor"],
}


def test_every_parameter_changes_the_answer(lib: QueryLibrary) -> None:
    """A parameter that is only joined inside a sub-select would be silently ignored; catch that here."""
    for query in lib.queries.values():
        defaults = {p.name: SAMPLES[p.type][0] for p in query.parameters}
        for p in query.parameters:
            answers = []
            values: list[str | None] = [*SAMPLES[p.type], *([None] if p.optional else [])]
            for value in values:
                params = {k: v for k, v in defaults.items() if k != p.name}
                if value is not None:
                    params[p.name] = value
                answers.append(lib.run(query.name, params).rows)
            assert any(a != b for a, b in itertools.combinations(answers, 2)), f"{query.name}: {p.name} is ignored"
