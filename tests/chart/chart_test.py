#!/usr/bin/python3
"""The trove Helm chart, rendered by the pinned real helm for the default
values and for every switch, and checked as data: each rendered manifest is
turned into JSON by the pinned kubectl (`kubectl patch --local`, offline), so
the assertions read fields, not text. Schema violations must be rejected with
a message that names the bad value.

Usage: chart_test.py --helm H --kubectl K --repo ROOT
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile

from chart_lib import Checker, Renderer

MONITORING_APIS = [
    "monitoring.coreos.com/v1/PodMonitor",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
]

# The operator's permissions, exactly as issue 7 lists them, plus creating
# and rotating the admin-token Secrets it owns by default.
EXPECTED_OPERATOR_RULES = [
    {"apiGroups": ["trove.dev"], "resources": ["treasurehunts"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["trove.dev"], "resources": ["treasurehunts/status"], "verbs": ["get", "patch", "update"]},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["trove-admin-token"], "verbs": ["get", "patch"]},
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]},
    {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
]
# When the chart or the user makes the token, the operator only reads it.
EXPECTED_READ_ONLY_TOKEN_RULES = EXPECTED_OPERATOR_RULES[:3] + [
    {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["trove-admin-token"], "verbs": ["get"]},
    EXPECTED_OPERATOR_RULES[5],
]
EXPECTED_LEASE_RULES = [
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": ["trove-operator"],
     "verbs": ["get", "update"]},
]


def container_security_ok(c, sc):
    sec = sc.get("securityContext", {})
    c.eq(sec.get("runAsNonRoot"), True, "runAsNonRoot")
    c.eq(sec.get("readOnlyRootFilesystem"), True, "readOnlyRootFilesystem")
    c.eq(sec.get("allowPrivilegeEscalation"), False, "allowPrivilegeEscalation")
    c.eq(sec.get("capabilities", {}).get("drop"), ["ALL"], "capabilities.drop")


def check_defaults(c, r, repo):
    c.section("default values (Kubernetes 1.33, no Prometheus Operator APIs)")
    objs = r.render("defaults", [])
    kinds = sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objs)
    c.eq(kinds, sorted([
        "ClusterRole/trove-operator", "ClusterRoleBinding/trove-operator",
        "ConfigMap/trove-dashboard-operator", "ConfigMap/trove-dashboard-sidecar-fleet",
        "CustomResourceDefinition/treasurehunts.trove.dev", "Deployment/trove-operator",
        "NetworkPolicy/trove-sidecars",
        "Pod/trove-operator-test-readyz", "Role/trove-operator-leader-election",
        "RoleBinding/trove-operator-leader-election",
        "Service/trove-operator", "ServiceAccount/trove-operator"]),
        "objects rendered by default (no PodMonitor/ServiceMonitor/PrometheusRule without their API)")

    dep = r.one(objs, "Deployment", "trove-operator")
    c.eq(dep["spec"]["replicas"], 2, "operator replicas")
    pod = dep["spec"]["template"]["spec"]
    c.eq(pod["serviceAccountName"], "trove-operator", "operator service account")
    c.eq(pod["securityContext"].get("runAsNonRoot"), True, "pod runAsNonRoot")
    op = pod["containers"][0]
    c.eq(op["args"], ["--metrics-bind=0.0.0.0:8081", "--leader-elect", "--lease-namespace=trove-system",
                      "--lease-name=trove-operator", "--identity=$(POD_NAME)", "--manage-admin-tokens"],
         "operator args (it owns the admin tokens)")
    c.eq(op["env"][0]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name", "POD_NAME from the downward API")
    c.eq((op["livenessProbe"]["httpGet"]["path"], op["readinessProbe"]["httpGet"]["path"]),
         ("/healthz", "/readyz"), "operator probes")
    c.eq(op["livenessProbe"]["httpGet"]["port"], "metrics", "probe port")
    c.eq(op["ports"][0]["containerPort"], 8081, "metrics port")
    c.true(op["resources"]["requests"] and op["resources"]["limits"]["memory"], "operator resources set")
    container_security_ok(c, op)

    c.eq(r.one(objs, "ClusterRole", "trove-operator")["rules"], EXPECTED_OPERATOR_RULES, "ClusterRole rules")
    crb = r.one(objs, "ClusterRoleBinding", "trove-operator")
    c.eq(crb["subjects"], [{"kind": "ServiceAccount", "name": "trove-operator", "namespace": "trove-system"}],
         "ClusterRoleBinding subject")
    lease = r.one(objs, "Role", "trove-operator-leader-election")
    c.eq(lease["metadata"]["namespace"], "trove-system", "lease Role in the release namespace")
    c.eq(lease["rules"], EXPECTED_LEASE_RULES, "lease Role rules")

    crd = r.one(objs, "CustomResourceDefinition", "treasurehunts.trove.dev")
    c.eq(crd["metadata"]["annotations"].get("helm.sh/resource-policy"), "keep", "CRD kept on uninstall")
    source = r.to_json(os.path.join(repo, "crds", "treasurehunts.trove.dev.yaml"))[0]
    c.eq(crd["spec"], source["spec"], "rendered CRD spec equals crds/treasurehunts.trove.dev.yaml")

    check_lookup_token(c, r)

    for name in ("sidecar-fleet", "operator"):
        cm = r.one(objs, "ConfigMap", f"trove-dashboard-{name}")
        c.eq(cm["metadata"]["labels"].get("grafana_dashboard"), "1", f"{name} dashboard label")
        shipped = json.load(open(os.path.join(repo, "charts/trove/dashboards", f"{name}.json")))
        rendered = json.loads(cm["data"][f"{name}.json"])
        c.eq(rendered, shipped, f"{name} dashboard ConfigMap carries dashboards/{name}.json")
        variables = {v["name"]: v for v in rendered["templating"]["list"]}
        c.eq(variables.get("datasource", {}).get("type"), "datasource", f"{name}: ${{datasource}} variable")
        uids = {t["datasource"]["uid"] for p in rendered["panels"] for t in p.get("targets", [])}
        c.eq(uids, {"${datasource}"}, f"{name}: every query uses ${{datasource}}")

    test_pod = r.one(objs, "Pod", "trove-operator-test-readyz")
    c.eq(test_pod["metadata"]["annotations"].get("helm.sh/hook"), "test", "helm test hook")
    env = {e["name"]: e["value"] for e in test_pod["spec"]["containers"][0]["env"]}
    c.eq(env, {"TARGET_HOST": "trove-operator.trove-system.svc", "TARGET_PORT": "8081"}, "helm test target")
    svc = r.one(objs, "Service", "trove-operator")
    c.eq(svc["spec"]["selector"], pod_labels_subset(dep), "Service selects the operator pods")
    c.eq(test_pod["spec"]["containers"][0]["command"][2], r.file("files/check-readyz.sh"),
         "helm test runs files/check-readyz.sh")


# What the default release's PrometheusRule puts in place of rules/*.yaml's
# placeholder matchers (release "trove" in "trove-system").
DEFAULT_RULE_MATCHERS = {
    'trove_selector="operator"': 'job=~"trove-operator",namespace=~"trove-system"',
    'trove_selector="sidecar"': 'job=~"trove-system/trove-sidecars",namespace=~".*"',
}
RUNBOOKS = "https://github.com/trove-dev/trove/blob/main/docs/runbooks.md#"


def with_release_matchers(groups):
    out = json.loads(json.dumps(groups))
    for group in out:
        for rule in group["rules"]:
            for placeholder, matchers in DEFAULT_RULE_MATCHERS.items():
                rule["expr"] = rule["expr"].replace(placeholder, matchers)
            if "alert" in rule:
                rule["annotations"]["runbook_url"] = RUNBOOKS + rule["alert"].lower()
    return out


def pod_labels_subset(dep):
    labels = dep["spec"]["template"]["metadata"]["labels"]
    return {k: labels[k] for k in dep["spec"]["selector"]["matchLabels"]}


def check_switches(c, r):
    c.section("crds.install=false")
    objs = r.render("no-crds", ["--set", "crds.install=false"])
    c.eq(r.find(objs, "CustomResourceDefinition"), [], "no CRD")

    c.section("namespaced mode")
    objs = r.render("namespaced", ["--set", "operator.watch.mode=namespaced",
                                   "--set", "operator.watch.namespaces={games,arena}"] + api_flags())
    c.eq(r.find(objs, "ClusterRole") + r.find(objs, "ClusterRoleBinding"), [], "no cluster-wide RBAC")
    for ns in ("games", "arena"):
        role = r.one(objs, "Role", "trove-operator", ns)
        c.eq(role["rules"], EXPECTED_OPERATOR_RULES, f"Role rules in {ns}")
        rb = r.one(objs, "RoleBinding", "trove-operator", ns)
        c.eq(rb["subjects"][0]["namespace"], "trove-system", f"RoleBinding in {ns} binds the release's SA")
    c.eq(r.find(objs, "Secret"), [], "no chart-made Secret: the operator creates one per namespace")
    args = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]["containers"][0]["args"]
    c.true("--namespaces=games,arena" in args, f"--namespaces flag (args: {args})")
    pm = r.one(objs, "PodMonitor", "trove-sidecars")
    c.eq(pm["spec"]["namespaceSelector"], {"matchNames": ["games", "arena"]}, "PodMonitor watches those namespaces")

    c.section("leader election off, one replica")
    objs = r.render("single", ["--set", "operator.replicaCount=1", "--set", "operator.leaderElection.enabled=false"])
    args = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]["containers"][0]["args"]
    c.eq(args, ["--metrics-bind=0.0.0.0:8081", "--manage-admin-tokens"], "no leader-election flags")
    c.eq([o for o in r.find(objs, "Role") if "leader" in o["metadata"]["name"]], [], "no lease Role")

    c.section("operator tuning flags and image registry")
    objs = r.render("flags", ["--set", "operator.autotuneInterval=30s", "--set", "operator.pushConcurrency=8",
                              "--set", "operator.pushTimeout=2s", "--set", "imageRegistry=registry.example.com/trove/",
                              "--set", "operator.image.tag=1.2.3"])
    op = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]["containers"][0]
    for flag in ("--autotune-interval=30s", "--push-concurrency=8", "--push-timeout=2s"):
        c.true(flag in op["args"], f"{flag} passed")
    c.eq(op["image"], "registry.example.com/trove/trove-operator:1.2.3", "image with registry and tag")
    objs = r.render("placement", ["--set", "operator.tolerations[0].key=dedicated",
                                  "--set", "operator.tolerations[0].operator=Exists",
                                  "--set", "operator.tolerations[0].effect=NoSchedule",
                                  "--set", "operator.nodeSelector.pool=system"])
    spec = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]
    c.eq(spec["tolerations"], [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}], "tolerations")
    c.eq(spec["nodeSelector"], {"pool": "system"}, "nodeSelector")
    c.eq(spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
         ["topologyKey"], "kubernetes.io/hostname", "default anti-affinity spreads the replicas over nodes")

    c.section("monitoring APIs present")
    objs = r.render("monitoring", api_flags())
    pm = r.one(objs, "PodMonitor", "trove-sidecars")
    c.eq(pm["spec"]["selector"]["matchLabels"], {"trove.dev/sidecar": "true"}, "PodMonitor selects sidecar pods")
    c.eq(pm["spec"]["podMetricsEndpoints"][0]["port"], "trove-admin", "PodMonitor scrapes the admin port")
    c.eq(pm["spec"]["namespaceSelector"], {"any": True}, "PodMonitor watches every namespace in cluster mode")
    sm = r.one(objs, "ServiceMonitor", "trove-operator")
    c.eq(sm["spec"]["endpoints"][0]["port"], "metrics", "ServiceMonitor scrapes the operator's metrics port")
    rule = r.one(objs, "PrometheusRule", "trove")
    shipped = []
    for f in sorted(os.listdir(os.path.join(r.chart, "rules"))):
        shipped += r.data_file(os.path.join(r.chart, "rules", f))["groups"]
    c.eq(rule["spec"]["groups"], with_release_matchers(shipped),
         "PrometheusRule carries rules/*.yaml (placeholders replaced by the release's matchers, runbook links added)")
    for switch, kind in (("podMonitor", "PodMonitor"), ("serviceMonitor", "ServiceMonitor"),
                         ("prometheusRule", "PrometheusRule")):
        off = r.render(f"{switch}-off", api_flags() + ["--set", f"monitoring.{switch}.enabled=false"])
        c.eq(r.find(off, kind), [], f"monitoring.{switch}.enabled=false removes the {kind}")
    off = r.render("dashboards-off", ["--set", "monitoring.dashboards.enabled=false"])
    c.eq(r.find(off, "ConfigMap"), [], "monitoring.dashboards.enabled=false removes the dashboards")
    ns = r.render("dashboards-ns", ["--set", "monitoring.dashboards.namespace=grafana"])
    c.eq({o["metadata"]["namespace"] for o in r.find(ns, "ConfigMap")}, {"grafana"}, "dashboards namespace")
    labelled = r.render("labels", api_flags() + ["--set", "monitoring.prometheusRule.labels.release=kps"])
    c.eq(r.one(labelled, "PrometheusRule", "trove")["metadata"]["labels"].get("release"), "kps",
         "extra labels for the Prometheus rule selector")

    c.section("adminToken.create=false")
    objs = r.render("no-token", ["--set", "adminToken.create=false", "--set", "adminToken.secretName=my-token",
                                 "--set", "demo.enabled=true"])
    c.eq(r.find(objs, "Secret"), [], "no generated Secret")
    demo = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]
    c.eq(demo["volumes"][0]["secret"]["secretName"], "my-token", "sidecar mounts the user's Secret")
    rules = r.one(objs, "ClusterRole", "trove-operator")["rules"]
    c.eq(rules[3]["resourceNames"], ["my-token"], "operator may read only that Secret")
    c.eq([x["verbs"] for x in rules if "secrets" in x["resources"]], [["get"]], "and never write one")
    args = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]["containers"][0]["args"]
    c.true("--manage-admin-tokens" not in args, "the operator does not manage a Secret the user brings")


def check_lookup_token(c, r):
    c.section("adminToken.operatorManaged=false: the chart generates the token with lookup")
    optout = ["--set", "adminToken.operatorManaged=false"]
    objs = r.render("lookup-token", optout)
    secret = r.one(objs, "Secret", "trove-admin-token")
    token = base64.b64decode(secret["data"]["token"]).decode()
    c.true(re.fullmatch(r"[A-Za-z0-9]{48}", token), f"admin token is 48 random alphanumerics (got {len(token)} chars)")
    again = r.one(r.render("lookup-token-again", optout), "Secret", "trove-admin-token")
    c.true(again["data"]["token"] != secret["data"]["token"],
           "without a cluster to look up, every render generates a fresh token")
    c.eq(r.one(objs, "ClusterRole", "trove-operator")["rules"], EXPECTED_READ_ONLY_TOKEN_RULES,
         "the operator only reads the chart's Secret")
    args = r.one(objs, "Deployment", "trove-operator")["spec"]["template"]["spec"]["containers"][0]["args"]
    c.true("--manage-admin-tokens" not in args, "no --manage-admin-tokens")
    objs = r.render("lookup-token-namespaced", optout + ["--set", "operator.watch.mode=namespaced",
                                                         "--set", "operator.watch.namespaces={games,arena}"])
    for ns in ("trove-system", "games", "arena"):
        r.one(objs, "Secret", "trove-admin-token", ns)
    tokens = {o["data"]["token"] for o in r.find(objs, "Secret")}
    c.eq(len(tokens), 1, "one token shared by every namespace's Secret")
    objs = r.render("operator-off-token", ["--set", "operator.enabled=false"])
    c.eq(r.one(objs, "Secret", "trove-admin-token")["metadata"]["namespace"], "trove-system",
         "operator.enabled=false: the chart makes the token, as no operator would")


def check_sidecar(c, r):
    cases = [
        ("auto on 1.30", ["--kube-version", "1.30.0"], True),
        ("auto on 1.29", ["--kube-version", "1.29.0"], True),
        ("auto on 1.28", ["--kube-version", "1.28.4"], False),
        ("native=true on 1.28", ["--kube-version", "1.28.4", "--set", "sidecar.native=true"], True),
        ("native=false on 1.31", ["--kube-version", "1.31.0", "--set", "sidecar.native=false"], False),
    ]
    for title, flags, native in cases:
        c.section(f"demo game with the sidecar: {title}")
        objs = r.render("demo-" + re.sub(r"\W+", "-", title), ["--set", "demo.enabled=true"] + flags)
        tmpl = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]
        pod = tmpl["spec"]
        c.eq(tmpl["metadata"]["labels"].get("trove.dev/sidecar"), "true", "pod carries the sidecar label")
        inits = pod.get("initContainers") or []
        sidecars = [x for x in inits + pod["containers"] if x["name"] == "trove"]
        c.eq(len(sidecars), 1, "exactly one sidecar")
        s = sidecars[0]
        if native:
            c.eq([x["name"] for x in inits], ["trove"], "sidecar is an init container")
            c.eq(s.get("restartPolicy"), "Always", "native sidecar restartPolicy")
            c.eq(s.get("startupProbe", {}).get("httpGet", {}).get("path"), "/readyz", "startupProbe on /readyz")
        else:
            c.eq(inits, [], "no init containers")
            c.eq([x["name"] for x in pod["containers"]], ["game", "trove"], "sidecar is a plain container")
            c.true("restartPolicy" not in s and "startupProbe" not in s, "no native-only fields")
        c.eq(s["args"], ["--bind=0.0.0.0", "--port=8080", "--ingest-bind=127.0.0.1", "--ingest-port=8081", "--admin-bind=0.0.0.0", "--admin-port=9090",
                         "--admin-token-file=/var/run/trove/admin-token/token", "--arena-mib=128", "--epoch-ms=16",
                         "--max-boxes=1048576", "--store-huge-pages=on", "--store-spill-mib=1024",
                         "--max-data-bytes=1024",
                         "--state-dir=/var/lib/trove/state", "--ack=memory"], "sidecar args (contract flags)")
        c.eq({p["name"]: p["containerPort"] for p in s["ports"]}, {"trove-data": 8080, "trove-admin": 9090},
             "sidecar ports")
        c.eq((s["readinessProbe"]["httpGet"]["path"], s["livenessProbe"]["httpGet"]["path"]), ("/readyz", "/healthz"),
             "sidecar probes")
        c.eq(s["lifecycle"]["preStop"]["exec"]["command"][:2], ["/bin/bash", "-c"], "preStop runs bash")
        c.eq(s["lifecycle"]["preStop"]["exec"]["command"][2], r.file("files/drain.sh"), "preStop runs files/drain.sh")
        c.eq(s["volumeMounts"][0]["mountPath"], "/var/run/trove/admin-token", "token mounted as a file")
        c.eq(pod["volumes"][0]["secret"]["secretName"], "trove-admin-token", "token volume from the Secret")
        c.eq(pod["volumes"][0]["secret"].get("optional"), True,
             "token volume optional: the pod starts before the operator creates the Secret")
        container_security_ok(c, s)
        game = [x for x in pod["containers"] if x["name"] == "game"][0]
        c.eq(game["command"][2], r.file("files/demo-game.sh"), "demo game runs files/demo-game.sh")
        c.true(pod["terminationGracePeriodSeconds"] > 5, "grace period longer than the drain wait")
    # State: on by default (emptyDir); off; a user volume; durable acks.
    objs = r.render("no-state", ["--set", "demo.enabled=true", "--set", "sidecar.state.enabled=false"])
    pod = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]
    s = pod["initContainers"][0]
    c.true(not any(a.startswith(("--state-dir", "--ack")) for a in s["args"]), "state off: no --state-dir")
    c.eq([v["name"] for v in pod["volumes"]], ["trove-admin-token"], "state off: no state volume")
    objs = r.render("state-volume", ["--set", "demo.enabled=true", "--set", "sidecar.state.ack=durable",
                                     "--set", "sidecar.state.volume.hostPath.path=/srv/trove"])
    pod = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]
    c.true("--ack=durable" in pod["initContainers"][0]["args"], "sidecar.state.ack=durable")
    c.eq([v for v in pod["volumes"] if v["name"] == "trove-state"],
         [{"name": "trove-state", "hostPath": {"path": "/srv/trove"}}], "the user's state volume")
    code, out = r.helm(["template", "t", r.chart, "--set", "sidecar.state.ack=sometimes"])
    c.true(code != 0 and "ack" in out, "sidecar.state.ack outside memory|durable is rejected")
    objs = r.render("workers", ["--set", "demo.enabled=true", "--set", "sidecar.workers=4",
                                "--set", "sidecar.maxBoxes=4000000"])
    s = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]["initContainers"][0]
    c.true("--workers=4" in s["args"] and "--max-boxes=4000000" in s["args"],
           f"integer flags render as integers (args: {s['args']})")
    c.true("--store-huge-pages=on" in s["args"], f"huge pages on by default (args: {s['args']})")
    c.true("--max-data-bytes=1024" in s["args"] and "--store-spill-mib=1024" in s["args"],
           f"data and spill limits at their defaults (args: {s['args']})")
    objs = r.render("data", ["--set", "demo.enabled=true", "--set", "sidecar.maxDataBytes=65536",
                             "--set", "sidecar.storeSpillMiB=4096"])
    s = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]["initContainers"][0]
    c.true("--max-data-bytes=65536" in s["args"] and "--store-spill-mib=4096" in s["args"],
           f"maxDataBytes and storeSpillMiB render as integers (args: {s['args']})")
    code, out = r.helm(["template", "t", r.chart, "--set", "sidecar.maxDataBytes=65537"])
    c.true(code != 0 and "maxDataBytes" in out, "sidecar.maxDataBytes above 65536 is rejected")
    objs = r.render("no-huge-pages", ["--set", "demo.enabled=true", "--set", "sidecar.storeHugePages=false"])
    s = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]["initContainers"][0]
    c.true("--store-huge-pages=off" in s["args"], f"storeHugePages=false renders off (args: {s['args']})")
    check_client_auth(c, r)


def check_client_auth(c, r):
    c.section("client-auth keys from an existing Secret, mounted as a folder")
    objs = r.render("client-auth", ["--set", "demo.enabled=true",
                                    "--set", "sidecar.clientAuth.existingSecret=game-jwks",
                                    "--set", "sidecar.clientAuth.audience=trove",
                                    "--set", "sidecar.allowedOrigins={https://game.example,https://b.example}"])
    pod = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]
    s = pod["initContainers"][0]
    for flag in ["--client-auth-keys=/var/run/trove/client-auth/jwks.json", "--client-auth-leeway-s=5",
                 "--client-auth-audience=trove", "--allowed-origins=https://game.example,https://b.example"]:
        c.true(flag in s["args"], f"{flag} in the sidecar args ({s['args']})")
    mount = [m for m in s["volumeMounts"] if m["name"] == "trove-client-auth"]
    c.eq([(m["mountPath"], m.get("subPath")) for m in mount], [("/var/run/trove/client-auth", None)],
         "keys mounted as a folder (no subPath), so rotation reaches the sidecar")
    vol = [v for v in pod["volumes"] if v["name"] == "trove-client-auth"]
    c.eq([v["secret"]["secretName"] for v in vol], ["game-jwks"], "keys volume from the existing Secret")
    objs = r.render("no-client-auth", ["--set", "demo.enabled=true"])
    pod = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]
    c.true(not any(a.startswith("--client-auth") or a.startswith("--allowed-origins")
                   for a in pod["initContainers"][0]["args"]), "off by default")


# (helm arguments, text the error must contain)
SCHEMA_VIOLATIONS = [
    (["--set", "operator.bogus=1"], "at '/operator': additional properties 'bogus' not allowed"),
    (["--set", "replicas=3"], "additional properties 'replicas' not allowed"),
    (["--set", "sidecar.native=maybe"], "at '/sidecar/native': value must be one of 'auto', true, false"),
    (["--set", "sidecar.adminPort=70000"], "at '/sidecar/adminPort': maximum"),
    (["--set", "sidecar.arenaMiB=0"], "at '/sidecar/arenaMiB': minimum"),
    (["--set", "operator.watch.mode=everywhere"], "at '/operator/watch/mode': value must be one of 'cluster', 'namespaced'"),
    (["--set", "operator.watch.namespaces={Bad_NS}"], "at '/operator/watch/namespaces/0'"),
    (["--set-string", "crds.install=yes"], "at '/crds/install': got string, want boolean"),
    (["--set-string", "sidecar.storeHugePages=yes"], "at '/sidecar/storeHugePages': got string, want boolean"),
    (["--set", "imagePullPolicy=Sometimes"], "at '/imagePullPolicy': value must be one of"),
    (["--set", "monitoring.grafana.enabled=true"], "at '/monitoring': additional properties 'grafana' not allowed"),
    (["--set", "operator.extraArgs={leader-elect}"], "at '/operator/extraArgs/0'"),
    (["--set", "operator.pushTimeout=soon"], "at '/operator/pushTimeout'"),
    (["--set", "sidecar.allowedOrigins={game.example}"], "at '/sidecar/allowedOrigins/0'"),
    (["--set", "sidecar.clientAuth.leewaySeconds=1000"], "at '/sidecar/clientAuth/leewaySeconds': maximum"),
    (["--set", "sidecar.resources.requests.memry=1Gi"], "additional properties 'memry' not allowed"),
    (["--set", "operator.tolerations[0].operatr=Exists"], "at '/operator/tolerations/0': additional properties 'operatr' not allowed"),
    (["--set", "operator.affinity.nodeAfinity.x=1"], "at '/operator/affinity': additional properties 'nodeAfinity' not allowed"),
]
# Errors the templates raise for combinations a schema cannot express well.
TEMPLATE_FAILURES = [
    (["--set", "operator.watch.mode=namespaced"],
     "operator.watch.mode=namespaced needs operator.watch.namespaces (a non-empty list)"),
    (["--set", "operator.leaderElection.enabled=false"],
     "operator.replicaCount > 1 needs operator.leaderElection.enabled=true"),
    (["--set", "operator.serviceAccount.create=false"],
     "operator.serviceAccount.name is required when operator.serviceAccount.create=false"),
]


def check_rejections(c, r):
    c.section("invalid values are rejected with a message naming them")
    for args, message in SCHEMA_VIOLATIONS + TEMPLATE_FAILURES:
        code, out = r.helm(["template", "t", r.chart] + args)
        c.true(code != 0 and message in out,
               f"{' '.join(args)} -> rejected with {message!r}" + ("" if code != 0 and message in out
                                                                  else f"\n      helm said (exit {code}): {out.strip()[:400]}"))
    for args, message in SCHEMA_VIOLATIONS:
        lcode, lout = r.helm(["lint", r.chart] + args)
        c.true(lcode != 0 and message in lout, f"helm lint also rejects {' '.join(args)}")
    # helm lint deliberately turns a template's `fail` into a log line.
    for args, message in TEMPLATE_FAILURES:
        lcode, lout = r.helm(["lint", r.chart] + args)
        c.true(message in lout, f"helm lint reports {message!r} for {' '.join(args)}")


def check_lint(c, r):
    c.section("helm lint --strict for the defaults and every switch")
    variants = [
        [], ["--set", "crds.install=false"], ["--set", "demo.enabled=true"],
        ["--set", "operator.watch.mode=namespaced", "--set", "operator.watch.namespaces={games}"],
        ["--set", "operator.replicaCount=1", "--set", "operator.leaderElection.enabled=false"],
        ["--set", "adminToken.create=false"], ["--set", "adminToken.operatorManaged=false"],
        ["--set", "sidecar.native=false", "--set", "demo.enabled=true"],
        ["--set", "monitoring.dashboards.enabled=false"], ["--kube-version", "1.28.0", "--set", "demo.enabled=true"],
    ]
    for args in variants:
        code, out = r.helm(["lint", "--strict", r.chart] + args)
        c.true(code == 0 and "0 chart(s) failed" in out, f"helm lint --strict {' '.join(args) or '(defaults)'}"
               + ("" if code == 0 else "\n" + out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="trove-chart-") as tmp:
        r = Renderer(a.helm, a.kubectl, os.path.join(a.repo, "charts", "trove"), tmp)
        c = Checker()
        check_lint(c, r)
        check_defaults(c, r, a.repo)
        check_switches(c, r)
        check_sidecar(c, r)
        check_rejections(c, r)
        return c.finish()


def api_flags():
    flags = []
    for api in MONITORING_APIS:
        flags += ["--api-versions", api]
    return flags


if __name__ == "__main__":
    sys.exit(main())
