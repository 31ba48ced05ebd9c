#!/bin/sh
# Issue 13's check against two real MISPs (../shared/misp-pair): pair A and B
# with the TLP preset and push on, then publish a tlp:green and a tlp:red
# event on A and push: the green one must arrive on B, the red one must not
# (checked with events/view on B), and both server entries must hold the
# chosen rules. It leaves the pair as it found it, except for the pairing
# itself (a re-pairing reuses what exists) and the tags tlp:green/tlp:red.
#
#   flock /tmp/misp-pair.lock scripts/real-misp-rules-check.sh
#
# Reads MISP_A_URL, MISP_A_KEY, MISP_B_URL, MISP_B_KEY (from
# /tmp/misp-pair.env when unset). Extra demo flags (e.g. --reuse-existing)
# go in MISPBUMP_DEMO_FLAGS. Keys never reach the command line or the output.
# Needs curl and jq.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${MISP_A_URL:-}" ] && [ -r /tmp/misp-pair.env ]; then . /tmp/misp-pair.env; fi
: "${MISP_A_URL:?}" "${MISP_A_KEY:?}" "${MISP_B_URL:?}" "${MISP_B_KEY:?}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# api A|B METHOD PATH [BODY]: the key goes in a header file, not argv.
api() {
	if [ "$1" = A ]; then url=$MISP_A_URL key=$MISP_A_KEY; else url=$MISP_B_URL key=$MISP_B_KEY; fi
	printf 'Authorization: %s\nAccept: application/json\nContent-Type: application/json\n' "$key" >"$TMP/h"
	if [ $# -ge 4 ]; then
		curl -s -H @"$TMP/h" -X "$2" -d "$4" -o "$TMP/out" -w '%{http_code}' "$url$3"
	else
		curl -s -H @"$TMP/h" -X "$2" -o "$TMP/out" -w '%{http_code}' "$url$3"
	fi
}

go build -o "$TMP/mispbump" ./cmd/mispbump
# The pair is shared: another check may have removed a pairing and left its
# MISPbump sync user disabled, which a pairing rightly refuses to re-enable
# on its own. This test harness re-enables them, saying so.
for side in A B; do
	api "$side" GET /admin/users/index/searchemail:mispbump.invalid >/dev/null
	for id in $(jq -r '.[] | select(.User.disabled == true and (.User.email | test("^sync-.*@mispbump[.]invalid$"))) | .User.id' "$TMP/out"); do
		api "$side" POST "/admin/users/edit/$id" '{"disabled":false}' >/dev/null
		echo "  re-enabled the disabled MISPbump sync user $id on $side (left by another check)"
	done
done
echo "pairing A and B with --preset tlp-clear-green --push"
# shellcheck disable=SC2086 # MISPBUMP_DEMO_FLAGS is a list of flags
MISPBUMP_A_KEY=$MISP_A_KEY MISPBUMP_B_KEY=$MISP_B_KEY "$TMP/mispbump" demo --headless --json \
	--a-url "$MISP_A_URL" --b-url "$MISP_B_URL" --push --preset tlp-clear-green --timeout 4m \
	${MISPBUMP_DEMO_FLAGS:-} >"$TMP/report.json" || { jq -r .error "$TMP/report.json"; fail "the pairing did not succeed"; }
SID=$(jq -r .sides.a.server_id "$TMP/report.json")
jq -r '.sides | to_entries[] | "  \(.key): entry \(.value.server_id) push_rules \(.value.push_rules) pull_rules \(.value.pull_rules)"' "$TMP/report.json"

echo "A publishes a tlp:green and a tlp:red event (distribution: connected communities)"
stamp=$(date -u +%H%M%S)
for tag in tlp:green tlp:red; do
	body=$(jq -cn --arg tag "$tag" --arg info "MISPbump rules check $tag $stamp" \
		'{Event:{info:$info,distribution:2,threat_level_id:4,analysis:0,
		  Attribute:[{type:"comment",category:"Other",value:$info}],Tag:[{name:$tag}]}}')
	[ "$(api A POST /events/add "$body")" = 200 ] || fail "events/add on A: $(cat "$TMP/out")"
	id=$(jq -r .Event.id "$TMP/out")
	uuid=$(jq -r .Event.uuid "$TMP/out")
	echo "$tag $id $uuid" >>"$TMP/events"
	[ "$(api A POST "/events/publish/$id")" = 200 ] || fail "events/publish on A"
done

# The entry must hold tlp:red's tag ID in push_rules NOT: MISP matches push rules by id.
api A GET /tags/index >/dev/null
RED=$(jq -r '.Tag[] | select(.name=="tlp:red") | .id' "$TMP/out")
api A GET /servers/index >/dev/null
jq -e --arg sid "$SID" --arg red "$RED" '.[] | select(.Server.id==$sid) | .Server.push_rules | fromjson | .tags.NOT | index($red)' "$TMP/out" >/dev/null ||
	fail "A's entry $SID does not block tag id $RED (tlp:red) in push_rules"
api B GET /servers/index >/dev/null
jq -e '[.[] | .Server.pull_rules | fromjson | .tags.OR | index("tlp:green")] | any' "$TMP/out" >/dev/null ||
	fail "B's entry does not pull tlp:green only"

echo "push from A (entry $SID)"
api A POST "/servers/push/$SID/full" >/dev/null
jq -r '"  " + .message' "$TMP/out"

status=0
while read -r tag id uuid; do
	code=$(api B GET "/events/view/$uuid")
	case "$tag:$code" in
	tlp:green:200) echo "  ok: the tlp:green event is on B" ;;
	tlp:red:404) echo "  ok: the tlp:red event is not on B" ;;
	*) echo "  FAIL: $tag event: events/view on B answered $code"; status=1 ;;
	esac
	if [ "$code" = 200 ]; then api B POST "/events/delete/$uuid" >/dev/null; fi
	api A POST "/events/delete/$id" >/dev/null
done <"$TMP/events"
[ "$status" = 0 ] && echo "PASS" || fail "the rules did not hold"
