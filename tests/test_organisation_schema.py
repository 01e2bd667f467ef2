"""The JSON Schema of the organisation format (data/organisation.schema.json), the catalogue page
(docs/catalogue.md) and the starter registers (`hrkg init`).

The schema and the parser must agree where it matters to a user: every committed example and fixture the parser
reads is valid, and every document the parser refuses as unusable (exit 2) is invalid. The schema is stricter than
the parser in two ways, on purpose (hrkg.orgdata.schema says why), and the few rule fixtures that exercise that
leniency are
listed in DEPARTURES with the one place the schema refuses them. Both generated files must equal what the knowledge
graph gives, so that neither drifts from the catalogue.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

import test_orgdata
from hrkg import orgdata
from hrkg.cli import main
from hrkg.errors import InputError
from hrkg.orgdata import _reshape, load_organisation_files, model, parse_organisation_text
from hrkg.orgdata.catalogue import Catalogue, catalogue, catalogue_markdown
from hrkg.orgdata.schema import CONTEXT_URLS, FULL_IRI, SCHEMA_ID, SLUG, organisation_schema, schema_text
from hrkg.orgdata.spec import COLLECTIONS, records, value_form
from hrkg.orgdata.starter import EXAMPLES, starter_register
from hrkg.resources import resources
from hrkg.store import Store
from hrkg.validation import validate

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = resources().data / "organisation.schema.json"
CATALOGUE_FILE = ROOT / "docs" / "catalogue.md"
GUIDE_FILE = ROOT / "docs" / "organisation-data.md"
REGENERATE = "hrkg export --schema data/organisation.schema.json --catalogue docs/catalogue.md"
FIXTURES = Path(__file__).parent / "fixtures"
#: the keys a rule fixture adds for tests/test_rules.py; they are not part of the format
HARNESS_KEYS = ("expect", "forbid")

#: rule fixtures that use, on purpose, a form the parser tolerates and the schema refuses: the fixture -> where the
#: schema refuses it (the only place it does)
DEPARTURES: dict[str, tuple[tuple[str | int, ...], ...]] = {
    # `true`, a number and a list as counterbalancing answers: the rule, not the parser, says they answer nothing
    "rules/counterbalancing-complete/fires-answers-that-are-not-text.yaml": (
        ("tensions", 0, "counterbalancing", "legitimacy"),
        ("tensions", 0, "counterbalancing", "necessity"),
        ("tensions", 0, "counterbalancing", "proportionality"),
        ("tensions", 1, "counterbalancing", "proportionality"),
    ),
    # words that are not booleans: mitigation-risks-assessed reports them as not true
    "rules/mitigation-risks-assessed/fires-not-a-boolean.yaml": (("mitigations", 0, "risksAssessed"),),
    "rules/unknown-reference/bad-mitigation-values.yaml": (("mitigations", 0, "risksAssessed"),),
    # a key of impacts on a system: the parser reads it (every key of the context applies everywhere), the format
    # does not define it there
    "rules/unknown-reference/bad-system-key.yaml": (("systems", 0),),
    # a boolean as a counterbalancing answer, to show datatype values are never unknown-reference
    "rules/unknown-reference/passes-clean.yaml": (("tensions", 0, "counterbalancing", "legitimacy"),),
}


def _committed_documents() -> list[Path]:
    examples = sorted((resources().data / "examples").glob("*.yaml"))
    orgdata_fixtures = sorted(p for p in (FIXTURES / "orgdata").iterdir() if p.suffix in (".yaml", ".json"))
    rule_fixtures = sorted((FIXTURES / "rules").glob("*/*.yaml")) + sorted((FIXTURES / "rules").glob("*/*.json"))
    return examples + orgdata_fixtures + rule_fixtures


def _name(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix() if path.is_relative_to(FIXTURES) else path.name


DOCUMENTS = _committed_documents()
ACCEPTED = [p for p in DOCUMENTS if _name(p) not in DEPARTURES]


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if path.is_relative_to(FIXTURES / "rules") and isinstance(data, dict):
        for key in HARNESS_KEYS:
            data.pop(key, None)
    return data


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def cat(store: Store) -> Catalogue:
    return catalogue(store)


def _places(validator: jsonschema.Draft202012Validator, data: Any) -> set[tuple[str | int, ...]]:
    """Where a document is invalid: the deepest places any error (inside anyOf alternatives too) points at."""
    leaves: set[tuple[str | int, ...]] = set()
    todo = list(validator.iter_errors(data))
    while todo:
        error = todo.pop()
        if error.context:
            todo += error.context
        else:
            leaves.add(tuple(error.absolute_path))
    return {p for p in leaves if not any(q != p and q[: len(p)] == p for q in leaves)}


def _errors(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(data)]


# -- generated files ------------------------------------------------------------------------------------------


def test_committed_schema_is_the_generated_one(cat: Catalogue) -> None:
    """data/organisation.schema.json is generated from the knowledge graph; edit the generator, not the file."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(cat), f"stale: run `{REGENERATE}`"


def test_committed_catalogue_page_is_the_generated_one(cat: Catalogue) -> None:
    assert CATALOGUE_FILE.read_text(encoding="utf-8") == catalogue_markdown(cat), f"stale: run `{REGENERATE}`"


def test_export_writes_both_files(tmp_path: Path) -> None:
    schema_out, catalogue_out = tmp_path / "s.json", tmp_path / "c.md"
    result = CliRunner().invoke(main, ["export", "--schema", str(schema_out), "--catalogue", str(catalogue_out)])
    assert result.exit_code == 0, result.output
    assert schema_out.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")
    assert catalogue_out.read_text(encoding="utf-8") == CATALOGUE_FILE.read_text(encoding="utf-8")
    assert json.loads(CliRunner().invoke(main, ["export", "--schema", "-"]).stdout) == organisation_schema()


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID == "https://w3id.org/hrkg/schema/organisation.schema.json"


def test_schema_follows_the_parser() -> None:
    """The patterns and context names the schema copies are the parser's own; every key the format defines is read
    by the parser, in the form the schema gives it."""
    assert _reshape._SLUG.pattern == SLUG
    assert model._FULL_IRI.pattern == FULL_IRI
    assert frozenset(CONTEXT_URLS) == model._CONTEXT_URLS
    assert tuple(COLLECTIONS) == tuple(_reshape._COLLECTIONS)
    kinds = _reshape._value_kinds()
    for path, record in records().items():
        for key in record.keys:
            if key.name != "id":
                assert kinds[record.cls][key.name] == value_form(record.cls, key.name), (path, key.name)


def test_every_record_refuses_keys_it_does_not_define(schema: dict[str, Any]) -> None:
    assert schema["additionalProperties"] is False
    objects = [d for d in schema["$defs"].values() if d.get("type") == "object"]
    assert len(objects) == len(records()) == 11
    assert all(d["additionalProperties"] is False for d in objects)


# -- the schema agrees with the parser ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ACCEPTED, ids=_name)
def test_documents_the_parser_reads_are_valid(path: Path, validator: jsonschema.Draft202012Validator) -> None:
    load_organisation_files([path])
    assert _errors(validator, _read(path)) == []


@pytest.mark.parametrize("name", sorted(DEPARTURES))
def test_departures_are_refused_only_where_listed(name: str, validator: jsonschema.Draft202012Validator) -> None:
    """The rule fixtures that exercise the parser's leniency: read by the parser, refused by the schema at exactly
    the listed places (so the list cannot go stale, nor hide another difference)."""
    path = FIXTURES / name
    load_organisation_files([path])
    assert _places(validator, _read(path)) == set(DEPARTURES[name])


def _cases(test: Any, *names: str) -> list[tuple[str, ...]]:
    """The parametrised cases of a test in tests/test_orgdata.py, taken from its marks (not retyped here)."""
    (mark,) = [m for m in test.pytestmark if m.name == "parametrize"]
    fields = [f.strip() for f in mark.args[0]] if not isinstance(mark.args[0], str) else mark.args[0].split(",")
    return [tuple(case[fields.index(n)] for n in names) for case in mark.args[1]]


#: documents the parser refuses as unusable because of their shape (tests/test_orgdata.py), as (text, media type)
SHAPE_ERRORS: list[tuple[str, str]] = [
    (text, "application/yaml") for (text,) in _cases(test_orgdata.test_unusable_structure_names_the_path, "text")
] + [
    *_cases(test_orgdata.test_top_level_list_is_refused_with_a_hint, "text", "media_type"),
    ("hello\n", "application/yaml"),  # test_top_level_scalar_is_refused
    ("", "application/yaml"),  # test_other_unreadable_yaml: the document is empty
    ("organisation:\n  id: ../../etc\n", "application/yaml"),  # test_organisation_id_must_be_a_slug
    ("'@context': https://example.org/c\norganisation: {id: acme}\n", "application/yaml"),  # a foreign context
    ('{"@context": ["https://example.org/context.jsonld"], "organisation": {"id": "a"}}', "application/json"),
    ("impacts: [{id: i1}, null]\n", "application/yaml"),  # a record that is nothing
    ("organisation: {id: 'two words'}\n", "application/yaml"),
]


@pytest.mark.parametrize(("text", "media_type"), SHAPE_ERRORS)
def test_shape_errors_are_invalid(text: str, media_type: str, validator: jsonschema.Draft202012Validator) -> None:
    with pytest.raises(InputError):
        parse_organisation_text(text, media_type=media_type, source="doc")
    data = json.loads(text) if media_type == "application/json" else yaml.safe_load(text)
    assert _errors(validator, data) != []


#: read by the parser without a word, refused by the schema (hrkg.orgdata.schema: keys the format does not define
#: are lost,
#: and values of the wrong form are not what the writer meant)
STRICTER = [
    "organisation: {id: acme}\nmitigaton: [{id: m1}]\n",
    "impacts: [{id: i1, right: [privacy]}]\n",
    "impacts: [{id: i1, leverage: {level: low, mechanism: training}}]\n",
    "mitigations: [{id: m1, indicators: [{name: x, sources: internal}]}]\n",
    "mitigations: [{id: m1, name: {a: 1}}]\n",
    "mitigations: [{id: m1, risksAssessed: partly}]\n",
    "mitigations: [{id: m1, status: [planned, implemented]}]\n",
    "remedies: [{id: r1, mechanism: a grievance channel, run by a third party}]\n",
    "systems: [{id: s1, attribution: cause}]\n",
]


@pytest.mark.parametrize("text", STRICTER)
def test_the_schema_flags_what_the_parser_ignores(text: str, validator: jsonschema.Draft202012Validator) -> None:
    parse_organisation_text(text, media_type="application/yaml", source="doc")
    assert _errors(validator, yaml.safe_load(text)) != []


#: read by both, reported by `hrkg validate`: unknown ids, dangling ids, blank answers, other forms the parser reads
LENIENT = [
    "organisation: {id: acme, roles: [regulator]}\nimpacts: [{id: i1, rights: [privcy], system: nowhere}]\n",
    "mitigations: [{id: m1, kind: magic, actions: [pray], addresses: [i9], integrationSteps: [step-9]}]\n",
    "impacts: [{id: 1, rights: privacy, leverage: {level: huge}}]\nmitigations: [{id: 2, addresses: [1]}]\n",
    "mitigations: [{id: m1, risksAssessed: 'true', indicators: {name: x, kind: vibes}}]\n",
    "impacts:\n  id: i1\n  deferred: {rationale: '   '}\n",
    "organisation: {id: 'https://example.org/acme', name: null, roles: []}\nsystems:\n",
    "tensions: [{id: t1, counterbalancing: {}, rights: [privacy]}]\n",
    "",  # a document without records is read (as an empty one); an empty JSON object is valid
]


@pytest.mark.parametrize("text", [t for t in LENIENT if t])
def test_findings_are_not_schema_errors(text: str, validator: jsonschema.Draft202012Validator) -> None:
    parse_organisation_text(text, media_type="application/yaml", source="doc")
    assert _errors(validator, yaml.safe_load(text)) == []


# -- the catalogue is what the rules accept -------------------------------------------------------------------


def _every_value_document(cat: Catalogue) -> str:
    ids = {name: list(scheme.ids) for name, scheme in cat.schemes.items()}
    doc = {
        "organisation": {"id": "acme", "roles": ids["role"]},
        "impacts": [
            {
                "id": f"i{n}",
                "rights": ids["right"],
                "status": status,
                "severity": severity,
                "attribution": attribution,
                "contributionFactors": ids["contribution-factor"],
                "leverage": {"level": level, "mechanisms": ids["leverage-mechanism"]},
            }
            for n, (status, severity, attribution, level) in enumerate(
                zip(
                    ids["impact-status"] * 2,
                    ids["severity"],
                    ids["attribution"],
                    ids["leverage-level"],
                    strict=False,
                )
            )
        ],
        "mitigations": [
            {
                "id": f"m{n}",
                "kind": kind,
                "category": ids["category"][n % len(ids["category"])],
                "actions": ids["action"],
                "status": ids["mitigation-status"][n % 2],
                "integrationSteps": ids["integration-step"],
                "indicators": [
                    {"name": "x", "kind": k, "source": s}
                    for k in ids["indicator-kind"]
                    for s in ids["indicator-source"]
                ],
            }
            for n, kind in enumerate(ids["mitigation"])
        ],
        "riskAcceptances": [{"id": f"a{b}", "basis": b} for b in ids["acceptance-basis"]],
        "tensions": [{"id": f"t{o}", "counterbalancing": {"outcome": o}} for o in ids["counterbalancing-outcome"]],
    }
    return json.dumps(doc)


def test_every_catalogue_id_is_accepted_by_the_rules(cat: Catalogue, store: Store) -> None:
    data = parse_organisation_text(_every_value_document(cat), media_type="application/json", source="all.json")
    report = validate(data, store=store, suggest=False)
    assert [f for f in report.findings if f.rule == "unknown-reference"] == []


def test_values_left_out_of_the_catalogue_are_unknown_references(cat: Catalogue, store: Store) -> None:
    """The two narrowings of shapes/references.ttl: user is no duty-bearing role, avoid and address are no actions."""
    assert "user" not in cat.schemes["role"].ids
    assert not {"avoid", "address"} & set(cat.schemes["action"].ids)
    data = yaml_org("organisation: {id: acme, roles: [user]}\nmitigations: [{id: m1, actions: [avoid, address]}]\n")
    bad = {f.value for f in validate(data, store=store, suggest=False).findings if f.rule == "unknown-reference"}
    assert {v.rsplit("/", 1)[-1] for v in bad if v} == {"user", "avoid", "address"}


def yaml_org(text: str) -> orgdata.OrgData:
    return parse_organisation_text(text, media_type="application/yaml", source="org.yaml")


def test_schema_offers_the_catalogue_ids(schema: dict[str, Any], cat: Catalogue) -> None:
    """Editors complete catalogue ids and accept others (reported by `hrkg validate`), e.g. for impacts' rights."""
    rights = schema["$defs"]["impact"]["properties"]["rights"]
    assert rights["anyOf"][1] == {"$ref": "#/$defs/catalogue-right"}
    offered = schema["$defs"]["catalogue-right"]["anyOf"][0]
    assert offered["enum"] == list(cat.schemes["right"].ids)
    assert {"privacy", "non-discrimination", "political-participation"} <= set(offered["enum"])
    assert len(offered["enumDescriptions"]) == len(offered["enum"])
    assert schema["$defs"]["catalogue-role"]["anyOf"][0]["enum"] == [
        "deployer",
        "downstream-developer",
        "foundation-model-developer",
        "supplier",
    ]


def test_catalogue_page_lists_every_id_with_its_label(cat: Catalogue) -> None:
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    for scheme in cat.schemes.values():
        for value in scheme.values:
            assert f"| `{value.id}` | {value.label} |" in text, (scheme.name, value.id)


# -- examples and the modeline --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((resources().data / "examples").glob("*.yaml")), ids=lambda p: p.name)
def test_examples_name_the_schema_on_their_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA_ID}"


# -- the service ----------------------------------------------------------------------------------------------


def test_service_serves_the_schema(service: TestClient) -> None:
    r = service.get("/schema/organisation.schema.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/schema+json")
    assert r.content == SCHEMA_FILE.read_bytes()
    assert "max-age" in r.headers["cache-control"]
    assert service.get("/openapi.json").json()["paths"]["/schema/organisation.schema.json"]["get"]["tags"] == [
        "linked data"
    ]


# -- starter registers ----------------------------------------------------------------------------------------


def test_a_starter_for_every_role(cat: Catalogue) -> None:
    assert sorted(EXAMPLES) == sorted(cat.schemes["role"].ids)


@pytest.mark.parametrize("role", sorted(EXAMPLES))
def test_starter_register_reads_validates_and_checks_clean(
    role: str, cat: Catalogue, store: Store, validator: jsonschema.Draft202012Validator
) -> None:
    text = starter_register(role, cat=cat)
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_ID}"
    data = yaml_org(text)
    assert _errors(validator, yaml.safe_load(text)) == []
    report = validate(data, store=store, suggest=False)
    assert [(f.rule, f.focus) for f in report.findings] == []
    assert yaml.safe_load(text)["organisation"]["roles"] == [role]
    kind = yaml.safe_load(text)["mitigations"][0]["kind"]
    assert role in cat.kinds[kind].roles  # a mitigation the guide's section 4 table gives the role


@pytest.mark.parametrize("role", sorted(EXAMPLES))
def test_starter_register_explains_every_key(role: str, cat: Catalogue) -> None:
    text = starter_register(role, cat=cat)
    comments = "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line)
    for path, record in records().items():
        for key in record.keys:
            assert re.search(rf"\b{key.name}: \S", comments), (path, key.name)
    for scheme in cat.schemes.values():
        assert all(value_id in comments for value_id in scheme.ids), scheme.name


def test_init_writes_a_new_file_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "register.yaml"
    runner = CliRunner()
    result = runner.invoke(main, ["init", "--role", "deployer", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == starter_register("deployer")
    target.write_text("mine\n", encoding="utf-8")
    again = runner.invoke(main, ["init", "--role", "supplier", "-o", str(target)])
    assert again.exit_code == 2
    assert again.stderr.splitlines()[0] == f"error: {target} already exists"
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_init_prints_to_stdout_and_checks_the_role() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["init", "--role", "supplier"])
    assert result.exit_code == 0
    assert result.stdout == starter_register("supplier")
    wrong = runner.invoke(main, ["init", "--role", "user"])
    assert wrong.exit_code == 2
    assert "'user' is not one of 'deployer', 'downstream-developer', 'foundation-model-developer', 'supplier'" in (
        wrong.stderr
    )


# -- docs/organisation-data.md --------------------------------------------------------------------------------


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


def test_guide_page_names_every_key_and_links_the_catalogue() -> None:
    text = GUIDE_FILE.read_text(encoding="utf-8")
    for path, record in records().items():
        for key in record.keys:
            assert f"`{key.name}`" in text, (path, key.name)
    assert "(catalogue.md)" in text
    assert "docs/organisation-data.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_guide_page_examples_are_the_example_files(validator: jsonschema.Draft202012Validator) -> None:
    """One full example per role, copied from data/examples (so the page cannot drift from them), each valid."""
    blocks = _yaml_blocks(GUIDE_FILE.read_text(encoding="utf-8"))
    examples = {p.read_text(encoding="utf-8") for p in (resources().data / "examples").glob("*.yaml")}
    roles = set()
    for block in blocks:
        data = yaml_org(block)
        assert _errors(validator, yaml.safe_load(block) or {}) == []
        if block.startswith("# yaml-language-server:"):
            assert block in examples
            roles.update(yaml.safe_load(block)["organisation"]["roles"])
    assert roles == set(EXAMPLES)
    assert data is not None
