"""Constants shared by the security tests."""

TOKEN = "security-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUICK = "ASK { ?s a <https://w3id.org/hrkg#AttributionLevel> }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
