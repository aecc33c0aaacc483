#!/usr/bin/env bash
# Runs the simulated-cluster scenarios (operator/src/test/java/io/palimpsest/operator/cluster)
# on a real kind cluster instead: the real Job controller, kubelet, Deployment controller and
# kube-proxy, with model-sim standing in for vLLM. Not run in CI (needs Docker and kind).
#
#   scripts/kind/run-scenarios.sh [quickstart|kills|restart|outage|all]
#
# Needs: docker, kind, kubectl, helm (see /work/shared/BUILD.md for a helm binary), a JDK 17 and
# Maven; images are built locally and loaded into the kind node, nothing is pushed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cluster="${KIND_CLUSTER:-palimpsest}"
ns="${NAMESPACE:-palimpsest-e2e}"
scenario="${1:-quickstart}"

step() { printf '\n== %s\n' "$*"; }

step "build the jars and images"
(cd "$repo" && mvn -B -q install -DskipTests)
docker build -t palimpsest/worker:e2e -f "$repo/worker-image/Dockerfile" "$repo/worker-image"
# model-sim answers as vLLM does ("vllm serve ..." flags it does not know are ignored by the wrapper).
docker build -t palimpsest/model-sim:e2e -f "$here/model-sim.Dockerfile" "$repo/model-sim/target"
docker build -t palimpsest/operator:e2e -f "$here/operator.Dockerfile" "$repo/operator/target/quarkus-app"

step "cluster $cluster"
kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --config "$here/kind-config.yaml"
for image in palimpsest/worker:e2e palimpsest/model-sim:e2e palimpsest/operator:e2e; do
  kind load docker-image "$image" --name "$cluster"
done

step "operator (helm)"
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -
helm upgrade --install palimpsest "$repo/helm/palimpsest" -n "$ns" --wait \
  --set operator.image.repository=palimpsest/operator --set operator.image.tag=e2e --set operator.image.pullPolicy=Never \
  --set worker.image=palimpsest/worker:e2e \
  --set model.defaultVllmImage=palimpsest/model-sim:e2e

step "corpus on a ReadWriteMany-ish claim (kind's local-path is per node: one node is enough here)"
kubectl -n "$ns" apply -f "$here/corpus-pvc.yaml"
kubectl -n "$ns" run corpus-loader --image=busybox:1.36 --restart=Never --overrides="$(cat "$here/corpus-loader.json")" \
  -- sleep 3600
kubectl -n "$ns" wait --for=condition=Ready pod/corpus-loader --timeout=120s
kubectl -n "$ns" cp "$repo/examples/quickstart/data/." corpus-loader:/corpus/in/

apply_quickstart() {
  sed -e 's#file://data/#pvc://corpus/in/#' -e 's#file://quickstart-out/#pvc://corpus/out/#' \
    "$repo/examples/quickstart/job.yaml" | kubectl -n "$ns" apply -f -
  kubectl -n "$ns" apply -f "$repo/examples/quickstart/model.yaml"
}

wait_done() {
  local job="$1" start
  start=$(date +%s)
  until [ "$(kubectl -n "$ns" get rewritejob "$job" -o jsonpath='{.status.phase}')" = "Succeeded" ]; do
    phase=$(kubectl -n "$ns" get rewritejob "$job" -o jsonpath='{.status.phase} {.status.progress}')
    echo "  $(($(date +%s) - start)) s: $phase"
    [ "${phase%% *}" = "Failed" ] && { kubectl -n "$ns" describe rewritejob "$job"; return 1; }
    sleep 5
  done
  echo "  $job Succeeded after $(($(date +%s) - start)) s"
  kubectl -n "$ns" get rewritejob "$job" -o jsonpath='{.status.documents}{"\n"}{.status.tokens}{"\n"}'
}

kill_workers() {   # kill N random running worker pods, the way the simulated kubelet's kill does (SIGKILL)
  local n="$1"
  for _ in $(seq "$n"); do
    pod=$(kubectl -n "$ns" get pods -l palimpsest.io/role=work --field-selector=status.phase=Running -o name | shuf -n1 || true)
    [ -n "$pod" ] && kubectl -n "$ns" exec "$pod" -- kill -9 1 || true
    sleep 2
  done
}

case "$scenario" in
  quickstart|all)
    step "quickstart"; apply_quickstart; wait_done quickstart ;;&
  kills|all)
    step "worker kills"; apply_quickstart; (kill_workers 10 &) ; wait_done quickstart ;;&
  restart|all)
    step "operator restart"; apply_quickstart
    sleep 20; kubectl -n "$ns" delete pod -l app.kubernetes.io/component=operator --wait=false
    wait_done quickstart
    echo "  worker Jobs: $(kubectl -n "$ns" get jobs -l palimpsest.io/role=work -o name | wc -l) (expect 1)" ;;&
  outage|all)
    step "model outage"; apply_quickstart
    sleep 20; kubectl -n "$ns" scale deployment qwen-small-vllm --replicas=0
    sleep 60; echo "  the autoscaler brings it back"; wait_done quickstart ;;
  *) [ "$scenario" = all ] || { echo "unknown scenario $scenario"; exit 2; } ;;
esac

echo
echo "compare with: java -jar worker-image/target/palimpsest.jar local -f examples/quickstart --simulate"
