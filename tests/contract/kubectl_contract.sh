#!/usr/bin/env bash
# Contract test: the pinned real kubectl against trove-fake-apiserver.
# Covers shared/kube-api-contract.md as kubectl exercises it: apply of a CRD
# and a custom resource (create, unchanged, changed), printer columns, -o
# yaml, patch --subresource=status, wait --for=condition, delete with and
# without a finalizer, apply --server-side, client-side apply of built-ins
# (strategic merge), and, over HTTPS, bearer tokens and their rotation.
#
# usage: kubectl_contract.sh FAKE_APISERVER KUBECTL http|https [CRD_DIR]
set -euo pipefail

fake=$1
kubectl_bin=$2
mode=$3
crd_dir=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
data=$here/testdata

[[ -x $kubectl_bin ]] || { echo "FAIL: $kubectl_bin missing; run: bash hack/kube-tools.sh" >&2; exit 1; }
[[ -x $fake ]] || { echo "FAIL: $fake missing" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

args=(--port 0 --port-file "$work/port" --kubeconfig-out "$work/kubeconfig")
if [[ $mode == https ]]; then
  echo "first-token-$RANDOM$RANDOM" >"$work/token"
  args+=(--tls --cert-dir "$work/certs" --token-file "$work/token")
fi
"$fake" "${args[@]}" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.05; done
[[ -s $work/port ]] || { cat "$work/server.log" >&2; echo "FAIL: fake API server did not start" >&2; exit 1; }
port=$(cat "$work/port")

k() { "$kubectl_bin" --kubeconfig "$work/kubeconfig" --cache-dir "$work/cache" --request-timeout=20s "$@"; }
step() { echo "--- $*"; }
fail() { echo "FAIL: $*" >&2; echo "server log:" >&2; tail -20 "$work/server.log" >&2; exit 1; }
expect_eq() { [[ $2 == "$3" ]] || fail "$1: expected '$3', got '$2'"; }
expect_match() { [[ $2 =~ $3 ]] || fail "$1: expected to match /$3/, got: $2"; }
squeeze() { tr -s ' ' ; }
curl_api() {
  if [[ $mode == https ]]; then
    curl -sS --cacert "$work/certs/server.crt" "$@"
  else
    curl -sS "$@"
  fi
}
base=$(grep 'server:' "$work/kubeconfig" | awk '{print $2}')

step "discovery reports the pinned minor version"
expect_match "version" "$(k version -o json)" '"minor": "33"'

step "apply CRD: created, then unchanged"
expect_match "crd create" "$(k apply -f "$data/crd.yaml")" 'testhunts.contract.trove.dev created'
expect_match "crd unchanged" "$(k apply -f "$data/crd.yaml")" 'testhunts.contract.trove.dev unchanged'
expect_eq "crd established" \
  "$(k get crd testhunts.contract.trove.dev -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" True
k wait --for=condition=Established crd/testhunts.contract.trove.dev --timeout=10s >/dev/null

step "apply custom resource: created, unchanged, configured"
expect_match "cr create" "$(k apply -f "$data/hunt.yaml")" 'testhunt.contract.trove.dev/alpha created'
rv1=$(k get th alpha -o jsonpath='{.metadata.resourceVersion}')
expect_match "cr unchanged" "$(k apply -f "$data/hunt.yaml")" 'testhunt.contract.trove.dev/alpha unchanged'
expect_eq "unchanged apply keeps resourceVersion" "$(k get th alpha -o jsonpath='{.metadata.resourceVersion}')" "$rv1"
expect_match "cr changed" "$(sed 's/boxes: 3/boxes: 5/' "$data/hunt.yaml" | k apply -f -)" 'testhunt.contract.trove.dev/alpha configured'
expect_eq "generation after a spec change" "$(k get th alpha -o jsonpath='{.metadata.generation}')" 2
expect_eq "schema default mode" "$(k get th alpha -o jsonpath='{.spec.mode}')" poll
expect_eq "schema default epochMillis" "$(k get th alpha -o jsonpath='{.spec.epochMillis}')" 250

step "invalid custom resources are refused"
out=$(printf 'apiVersion: contract.trove.dev/v1alpha1\nkind: TestHunt\nmetadata: {name: bad}\nspec: {mode: push}\n' | k apply -f - 2>&1) && fail "missing required field accepted"
expect_match "required field" "$out" 'spec.boxes: Required value'
out=$(printf 'apiVersion: contract.trove.dev/v1alpha1\nkind: TestHunt\nmetadata: {name: bad}\nspec: {boxes: 1, colour: red}\n' | k apply -f - 2>&1) && fail "unknown field accepted under strict validation"
expect_match "strict field validation" "$out" 'unknown field "spec.colour"'

step "get shows the CRD's printer columns"
table=$(k get th | squeeze)
expect_match "header" "$table" 'NAME BOXES MODE READY AGE'
expect_match "row" "$table" 'alpha 5 poll [0-9]+s'
expect_match "category" "$(k get trove | squeeze)" 'alpha 5 poll'

step "get -o yaml returns the stored object"
yaml=$(k get th alpha -o yaml)
expect_match "yaml spec" "$yaml" 'boxes: 5'
expect_match "yaml uid" "$yaml" 'uid: [0-9a-f-]{36}'
expect_match "yaml creationTimestamp" "$yaml" 'creationTimestamp: "20[0-9-]+T'

step "wait --for=condition=Ready returns once status says so"
k wait --for=condition=Ready th/alpha --timeout=15s >"$work/wait.out" 2>&1 &
wait_pid=$!
sleep 1
k patch th alpha --subresource=status --type=merge \
  -p '{"status":{"observedGeneration":2,"conditions":[{"type":"Ready","status":"True","reason":"Synced"}]}}' >/dev/null
wait "$wait_pid" || fail "kubectl wait failed: $(cat "$work/wait.out")"
expect_match "wait output" "$(cat "$work/wait.out")" 'condition met'
expect_eq "status patch keeps generation" "$(k get th alpha -o jsonpath='{.metadata.generation}')" 2
expect_match "Ready column" "$(k get th alpha | squeeze)" 'alpha 5 poll True'
k patch th alpha --type=merge -p '{"status":{"observedGeneration":99}}' >/dev/null
expect_eq "main resource ignores status" "$(k get th alpha -o jsonpath='{.status.observedGeneration}')" 2
expect_eq "status subresource get" "$(k get th alpha --subresource=status -o jsonpath='{.status.conditions[0].reason}')" Synced

step "strategic merge patch on a custom resource is refused (415)"
out=$(k patch th alpha -p '{"spec":{"boxes":9}}' 2>&1) && fail "strategic merge patch accepted"
expect_match "415" "$out" 'strategic-merge-patch\+json is not supported'

step "JSON patch, with a failing test op"
k patch th alpha --type=json -p '[{"op":"replace","path":"/spec/boxes","value":6}]' >/dev/null
expect_eq "json patch" "$(k get th alpha -o jsonpath='{.spec.boxes}')" 6
k patch th alpha --type=json -p '[{"op":"test","path":"/spec/boxes","value":1}]' >/dev/null 2>&1 && fail "failed test op accepted"

step "delete without a finalizer removes at once"
sed 's/name: alpha/name: gamma/' "$data/hunt.yaml" | k apply -f - >/dev/null
expect_match "delete" "$(k delete th gamma)" 'testhunt.contract.trove.dev "gamma" deleted'
out=$(k get th gamma 2>&1) && fail "deleted object still there"
expect_match "404 after delete" "$out" 'NotFound|not found'

step "delete with a finalizer waits for it"
sed 's/name: alpha/name: delta/' "$data/hunt.yaml" | k apply -f - >/dev/null
k patch th delta --type=merge -p '{"metadata":{"finalizers":["contract.trove.dev/hold"]}}' >/dev/null
k delete th delta --wait=false >/dev/null
expect_match "deletionTimestamp set" "$(k get th delta -o jsonpath='{.metadata.deletionTimestamp}')" '^20[0-9-]+T'
k wait --for=delete th/delta --timeout=15s >"$work/wait-delete.out" 2>&1 &
wait_pid=$!
sleep 1
k get th delta >/dev/null || fail "object with a finalizer vanished"
k patch th delta --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
wait "$wait_pid" || fail "kubectl wait --for=delete failed: $(cat "$work/wait-delete.out")"
out=$(k get th delta 2>&1) && fail "object still there after its finalizer was removed"

step "apply --server-side: create, change, force"
ssa=$'apiVersion: contract.trove.dev/v1alpha1\nkind: TestHunt\nmetadata:\n  name: beta\n  namespace: default\nspec:\n  boxes: 7\n  mode: push\n'
expect_match "ssa create" "$(printf '%s' "$ssa" | k apply --server-side -f -)" 'testhunt.contract.trove.dev/beta serverside-applied'
expect_match "ssa again" "$(printf '%s' "$ssa" | k apply --server-side -f -)" 'serverside-applied'
expect_eq "ssa no-op keeps generation" "$(k get th beta -o jsonpath='{.metadata.generation}')" 1
printf '%s' "${ssa/boxes: 7/boxes: 8}" | k apply --server-side --force-conflicts --field-manager=other -f - >/dev/null
expect_eq "ssa change" "$(k get th beta -o jsonpath='{.spec.boxes}/{.spec.mode}/{.metadata.generation}')" "8/push/2"

step "get -w streams Table events"
k get th -w --output-watch-events >"$work/watch.out" 2>&1 &
watch_pid=$!
sleep 1
k patch th beta --type=merge -p '{"spec":{"boxes":9}}' >/dev/null
for _ in $(seq 50); do grep -q MODIFIED "$work/watch.out" && break; sleep 0.1; done
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
expect_match "watch table" "$(squeeze <"$work/watch.out")" 'MODIFIED beta 9 push'

step "built-in kinds: client-side apply uses strategic merge"
expect_match "apply built-ins" "$(k apply -f "$data/deployment.yaml")" 'deployment.apps/web created'
sed 's#example/app:1#example/app:2#' "$data/deployment.yaml" | k apply -f - >/dev/null
expect_eq "containers merged by name" \
  "$(k get deploy web -o jsonpath='{range .spec.template.spec.containers[*]}{.name}={.image};{end}')" \
  "app=example/app:2;sidecar=example/trove:1;"
expect_eq "env kept" "$(k get deploy web -o jsonpath='{.spec.template.spec.containers[1].env[0].value}')" poll
expect_eq "secret stringData folded into data" "$(k get secret creds -o jsonpath='{.data.password}')" "$(printf hunter2 | base64)"
expect_match "label selector" "$(k get deploy -l 'app in (web,api)' -o name)" 'deployment.apps/web'
expect_eq "label selector no match" "$(k get deploy -l 'app!=web' -o name)" ""

if [[ $mode == https ]]; then
  step "HTTPS: a wrong token is refused, the token file can rotate"
  # client-go prefers a kubeconfig's tokenFile over --token: use a copy.
  sed 's#tokenFile: .*#token: wrong#' "$work/kubeconfig" >"$work/kubeconfig.wrong"
  out=$("$kubectl_bin" --kubeconfig "$work/kubeconfig.wrong" --cache-dir "$work/cache" get th 2>&1) &&
    fail "wrong token accepted"
  expect_match "401" "$out" 'Unauthorized|must be logged in'
  old=$(cat "$work/token")
  echo "second-token-$RANDOM$RANDOM" >"$work/token.new"
  mv "$work/token.new" "$work/token"
  expect_match "rotated token" "$(k get th beta | squeeze)" 'beta 9 push'
  code=$(curl_api -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $old" "$base/api/v1/namespaces")
  expect_eq "old token refused after rotation" "$code" 401
fi

if [[ -n $crd_dir && -d $crd_dir ]] && compgen -G "$crd_dir/*.yaml" >/dev/null; then
  step "the project's own CRDs apply cleanly"
  for f in "$crd_dir"/*.yaml; do
    k apply -f "$f" >/dev/null || fail "kubectl apply -f $f"
    k apply -f "$f" | grep -q unchanged || fail "re-applying $f changed it"
  done
  if compgen -G "$crd_dir/examples/*.yaml" >/dev/null; then
    step "the CRDs' examples apply and print"
    for f in "$crd_dir"/examples/*.yaml; do
      k apply -f "$f" >/dev/null || fail "kubectl apply -f $f"
      k apply -f "$f" | grep -q unchanged || fail "re-applying $f changed it"
      k get -f "$f" >/dev/null || fail "kubectl get -f $f"
    done
  fi
fi

step "server counters"
stats=$(curl_api "$base/_fake/stats")
expect_match "stats count watches" "$stats" '"watchesOpened":[1-9]'
echo "PASS: kubectl contract over $mode (port $port)"
