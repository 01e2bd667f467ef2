#!/usr/bin/env bash
# The SPARQL service through curl, as a shell pipeline would use it. Usage: curl_protocol.sh BASE_URL
# Each check prints "ok - ..." or "FAIL - ..."; the exit status is the number of failures.
set -u
base="${1:?usage: curl_protocol.sh BASE_URL}"
fails=0
ask='ASK { ?s a <https://w3id.org/hrkg#AttributionLevel> }'
levels='SELECT ?l WHERE { ?l a <https://w3id.org/hrkg#AttributionLevel> }'

check() {  # check NAME EXPECTED ACTUAL
  if [[ "$3" == *"$2"* ]]; then echo "ok - $1"; else echo "FAIL - $1: expected '$2' in: ${3:0:300}"; fails=$((fails + 1)); fi
}

check "GET ask as JSON" '"boolean":true' "$(curl -sS -G --data-urlencode "query=$ask" "$base/sparql")"
check "POST form select as CSV" "https://w3id.org/hrkg/attribution/cause" \
  "$(curl -sS -H 'Accept: text/csv' --data-urlencode "query=$levels" "$base/sparql")"
check "POST direct select as TSV" "?l" \
  "$(curl -sS -H 'Accept: text/tab-separated-values' -H 'Content-Type: application/sparql-query' --data-binary "$levels" "$base/sparql")"
check "CONSTRUCT as N-Triples" "<https://w3id.org/hrkg/attribution/cause> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" \
  "$(curl -sS -H 'Accept: application/n-triples' -G --data-urlencode 'query=CONSTRUCT WHERE { ?l a <https://w3id.org/hrkg#AttributionLevel> }' "$base/sparql")"
check "format= fallback" "<sparql" "$(curl -sS -G --data-urlencode "query=$ask" --data-urlencode format=xml "$base/sparql")"
check "syntax error is 400" "400" "$(curl -s -o /dev/null -w '%{http_code}' -G --data-urlencode 'query=SELEC ?x' "$base/sparql")"
check "nothing acceptable is 406" "406" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: image/png' -G --data-urlencode "query=$ask" "$base/sparql")"
check "update refused" "400" "$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode 'update=DROP ALL' "$base/sparql")"
check "SERVICE refused" "refused" \
  "$(curl -sS -G --data-urlencode 'query=SELECT * WHERE { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }' "$base/sparql")"
check "content type of results" "application/sparql-results+json" \
  "$(curl -sS -o /dev/null -w '%{content_type}' -G --data-urlencode "query=$ask" "$base/sparql")"
exit "$fails"
