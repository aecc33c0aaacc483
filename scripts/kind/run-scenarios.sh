#!/usr/bin/env bash
# Runs the simulated-cluster scenarios (operator/src/test/java/io/palimpsest/operator/cluster)
# on a real kind cluster instead: the real Job controller, kubelet, Deployment controller and
# kube-proxy, with model-sim standing in for vLLM. Not run in CI (needs Docker and kind).
#
#   scripts/kind/run-scenarios.sh [quickstart|kills|restart|outage|poison|autoscale|latency|campaign|all]
#
# Needs: docker, kind, kubectl, helm 3, a JDK 17 and Maven; images are built locally and loaded
# into the kind node, nothing is pushed. campaign (and so all) also needs REPLICA_TOKENS_PER_SECOND:
# one model-sim replica's capacity, see README.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cluster="${KIND_CLUSTER:-palimpsest}"
ns="${NAMESPACE:-palimpsest-e2e}"
scenario="${1:-quickstart}"
campaign_shards="${CAMPAIGN_SHARDS:-500}"

# Check the arguments before the long build, not after it.
case "$scenario" in
  quickstart|kills|restart|outage|poison|autoscale|latency|campaign|all) ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac
case "$scenario" in
  campaign|all) : "${REPLICA_TOKENS_PER_SECOND:?campaign needs one replica capacity in tokens/s (see scripts/kind/README.md)}" ;;
esac

work="$(mktemp -d)"   # corpora generated here before they are copied to the claim
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "build the jars and images"
# The release's Dockerfiles (operator/, worker-image/, model-sim/), tagged palimpsest/<name>:e2e and
# only loaded into kind. model-sim answers as vLLM does: its image's `vllm` wrapper drops the
# `vllm serve` flags it does not know.
CONTAINER_ENGINE=docker "$repo/scripts/build-images.sh" --registry palimpsest --tag e2e >/dev/null

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
# A second run finds the loader from the first one; one that has stopped is made anew.
if [ "$(kubectl -n "$ns" get pod corpus-loader -o jsonpath='{.status.phase}' 2>/dev/null || true)" != Running ]; then
  kubectl -n "$ns" delete pod corpus-loader --ignore-not-found --wait
  kubectl -n "$ns" run corpus-loader --image=busybox:1.36 --restart=Never --overrides="$(cat "$here/corpus-loader.json")" \
    -- sleep 86400
fi
kubectl -n "$ns" wait --for=condition=Ready pod/corpus-loader --timeout=120s

load_corpus() {   # copy the files of local folder $1 to /corpus/$2 on the claim, through the loader pod
  kubectl -n "$ns" exec corpus-loader -- mkdir -p "/corpus/$2"
  tar -C "$1" -cf - . | kubectl -n "$ns" exec -i corpus-loader -- tar -xf - -C "/corpus/$2"
}
load_corpus "$repo/examples/quickstart/data" in

# $2 JSONL files in folder $1. Documents per file: $3 * exp($4 * a standard normal draw), kept
# within 5..300, so $4 = 0 gives every file $3 documents and 0.8 gives the long tail of
# SyntheticCorpus's uneven sizes (most files small, a few ten times the median). Each document
# is 60 to 180 words. A fixed seed makes reruns write the same corpus.
write_corpus() {
  mkdir -p "$1"
  awk -v dir="$1" -v files="$2" -v median="$3" -v sigma="$4" 'BEGIN {
    srand(7)
    nw = split("the a of and in harbour river stone bridge market winter summer village road mill tower " \
      "ship bell garden field school letter clock bread lamp forest valley copper salt wool north old " \
      "new long early built opened closed moved carried grew kept was were is had", words, " ")
    for (f = 0; f < files; f++) {
      gauss = sqrt(-2 * log(1 - rand())) * cos(6.283185307 * rand())
      n = int(median * exp(sigma * gauss) + 0.5)
      if (n < 5) n = 5
      if (n > 300) n = 300
      file = sprintf("%s/part-%04d.jsonl", dir, f)
      for (d = 0; d < n; d++) {
        len = 60 + int(rand() * 121)
        text = words[1 + int(rand() * nw)]
        for (k = 1; k < len; k++) text = text " " words[1 + int(rand() * nw)]
        printf "{\"id\": \"part-%04d-%03d\", \"text\": \"%s.\"}\n", f, d, text > file
      }
      close(file)
      total += n
    }
    printf "  %d files, %d documents\n", files, total
  }'
}

# The quickstart model made to run on kind: no GPU and no memory request, and weights "read"
# from the corpus claim (model-sim loads nothing, and its image has no `hf` for a download Job).
# $1 name, $2 replicas.min, $3 replicas.max; the engine batch and the autoscaler's timings come
# from variables set for the call, e.g. `seqs=2 period=2 apply_model m 0 3`, else the defaults.
apply_model() {
  kubectl -n "$ns" apply -f - <<EOF
apiVersion: palimpsest.io/v1alpha1
kind: RewriterModel
metadata:
  name: $1
spec:
  model: Qwen/Qwen2.5-1.5B-Instruct
  source:
    pvc: {claimName: corpus, path: models}
  engine:
    maxModelLen: 8192
    maxNumSeqs: ${seqs:-256}
  resources:
    gpus: 0
  replicas:
    min: $2
    max: $3
  autoscaling:
    periodSeconds: ${period:-15}
    targetWaitingPerReplica: ${waiting:-32}
    scaleDownStabilizationSeconds: ${down:-300}
    idleToZeroSeconds: ${idle:-300}
EOF
}

# The quickstart RewriteJob named $1, on model $2, reading pvc://corpus/$3/ and writing
# pvc://corpus/$4/; any further arguments are sed expressions applied to it as well.
job_yaml() {
  local name="$1" model="$2" in="$3" out="$4"
  shift 4
  sed -e "s#^  name: quickstart\$#  name: $name#" -e "s#^    name: qwen-small\$#    name: $model#" \
    -e "s#file://data/#pvc://corpus/$in/#" -e "s#file://quickstart-out/#pvc://corpus/$out/#" "$@" \
    "$repo/examples/quickstart/job.yaml"
}

# Removes RewriteJob $1 left by an earlier run, with what it owns, and its output folder $2, so a
# scenario starts from nothing (a finished job applied again would just stay Succeeded).
clear_job() {
  kubectl -n "$ns" delete rewritejob "$1" --ignore-not-found --cascade=foreground --wait
  local waited=0
  while [ -n "$(kubectl -n "$ns" get jobs,configmaps -l "palimpsest.io/rewritejob=$1" -o name)" ] && [ "$waited" -lt 120 ]; do
    sleep 2; waited=$((waited + 2))
  done
  kubectl -n "$ns" exec corpus-loader -- rm -rf "/corpus/$2"
}

apply_job() {   # same arguments as job_yaml
  clear_job "$1" "$4"
  job_yaml "$@" | kubectl -n "$ns" apply -f -
}

apply_quickstart() {
  apply_job quickstart qwen-small in out
  apply_model qwen-small 0 2
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

# Every 2 s until RewriteJob $2 has Succeeded and model $1 is back to 0 (Deployment $1-vllm at 0
# replicas, no model pod left), or $3 seconds have passed: prints the Deployment's ready/wanted
# replicas whenever they or the job's phase change (and every 30 s), and appends each model pod
# seen to $work/$1.pods as "seen-at name creationTimestamp [container finishedAt]". The pods are
# the Deployment's, selected by the labels the operator puts on its pod template (ModelNames).
follow_model() {
  local model="$1" job="$2" limit="$3" start t reps wanted ready status pods npods line last="" printed=0 peak=0 done_at=""
  start=$(date +%s)
  : > "$work/$model.pods"
  while :; do
    t=$(date +%s)
    reps=$(kubectl -n "$ns" get deployment "$model-vllm" -o jsonpath='{.spec.replicas} {.status.readyReplicas}' 2>/dev/null || true)
    wanted=${reps%% *}; wanted=${wanted:-0}
    ready=${reps#* }; ready=${ready:-0}
    [ "$wanted" -gt "$peak" ] && peak=$wanted
    status=$(kubectl -n "$ns" get rewritejob "$job" -o jsonpath='{.status.phase} {.status.progress}' 2>/dev/null || true)
    pods=$(kubectl -n "$ns" get pods -l "palimpsest.io/model=$model,app.kubernetes.io/component=model-server" \
      -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.creationTimestamp} {.status.containerStatuses[*].state.terminated.finishedAt}{"\n"}{end}' \
      2>/dev/null || true)
    npods=0
    if [ -n "$pods" ]; then
      npods=$(printf '%s\n' "$pods" | grep -c .)
      printf '%s\n' "$pods" | awk -v t="$t" 'NF { print t, $0 }' >> "$work/$model.pods"
    fi
    line="$ready/$wanted replicas ready/wanted, $npods pods, job ${status%% *}"
    if [ "$line" != "$last" ] || [ $((t - printed)) -ge 30 ]; then
      echo "  $((t - start)) s: $line (${status#* })"
      last=$line; printed=$t
    fi
    case "$status" in
      Succeeded*) done_at=${done_at:-$t} ;;
      Failed*) kubectl -n "$ns" describe rewritejob "$job"; return 1 ;;
    esac
    if [ -n "$done_at" ] && [ "$wanted" = 0 ] && [ "$ready" = 0 ] && [ "$npods" = 0 ]; then
      echo "  peak $peak replicas; job Succeeded $((done_at - start)) s after apply, model at 0 again $((t - done_at)) s later"
      return 0
    fi
    if [ $((t - start)) -ge "$limit" ]; then
      echo "  gave up after $limit s"; return 1
    fi
    sleep 2
  done
}

now() {   # seconds since the epoch, to the microsecond where bash has EPOCHREALTIME (5.0 and later)
  local t="${EPOCHREALTIME:-$(date +%s)}"
  printf '%s' "${t/,/.}"
}
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
epoch() { date -u -d "$1" +%s 2>/dev/null || date -u -j -f '%Y-%m-%dT%H:%M:%SZ' "$1" +%s; }

# Sets variable $1 to the seconds since $t0 the first time the command after it succeeds.
mark() {
  local var="$1"
  shift
  if [ -z "${!var}" ] && "$@" >/dev/null 2>&1; then printf -v "$var" '%s' "$(since "$t0")"; fi
}
pod_started() { [ -n "$(kubectl -n "$ns" get pods -l "job-name=$1" --field-selector=status.phase!=Pending -o name)" ]; }
shards_done() {   # RewriteJob $1 has at least $2 committed shards
  local n
  n=$(kubectl -n "$ns" get rewritejob "$1" -o jsonpath='{.status.shards.succeeded}')
  [ "${n:-0}" -ge "$2" ]
}

# P6 of RewriteJob $1 on model $2 from what follow_model recorded: the replica-seconds the
# completion tokens needed at one replica's full capacity over the replica-seconds the model
# pods lived, creation to exit (the container's finishedAt when it was seen, else the last poll
# that saw the pod: up to 2 s short per pod).
report_p6() {
  local completion paid=0 lives="" n=0 name created seen ended from to
  completion=$(kubectl -n "$ns" get rewritejob "$1" -o jsonpath='{.status.tokens.completion}')
  while read -r name created seen ended; do
    from=$(epoch "$created")
    if [ -n "$ended" ]; then to=$(epoch "$ended"); else to=$seen; fi
    lives="$lives $name=$((to - from))"; paid=$((paid + to - from)); n=$((n + 1))
  done < <(awk '{ created[$2] = $3; seen[$2] = $1; if (NF > 3) ended[$2] = $4 }
               END { for (p in created) print p, created[p], seen[p], ended[p] }' "$work/$2.pods")
  awk -v c="${completion:-0}" -v r="$REPLICA_TOKENS_PER_SECOND" -v paid="$paid" -v n="$n" -v lives="$lives" 'BEGIN {
    ideal = c / r
    ratio = paid > 0 ? ideal / paid : 0
    printf "  P6 campaign efficiency = ideal / paid = %.0f / %d replica-s = %.3f (target 0.85)\n", ideal, paid, ratio
    printf "  ideal: %d completion tokens / %s tokens/s per replica = %.0f replica-s\n", c, r, ideal
    printf "  paid: %d model pods, seconds from creation to exit:%s\n", n, lives
  }'
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
    sleep 60; echo "  the autoscaler brings it back"; wait_done quickstart ;;&
  poison|all)
    step "poison shard: a corrupt .jsonl.gz among the quickstart files, one attempt per shard"
    mkdir -p "$work/poison-in"
    cp "$repo"/examples/quickstart/data/*.jsonl "$work/poison-in/"
    printf 'not gzip' > "$work/poison-in/bad.jsonl.gz"
    load_corpus "$work/poison-in" poison-in
    apply_model poison-model 0 2
    apply_job poison poison-model poison-in poison-out \
      -e 's#^    include: .*#    include: ["*.jsonl", "*.jsonl.gz"]#' -e 's#^    attemptsPerShard: .*#    attemptsPerShard: 1#'
    wait_done poison
    kubectl -n "$ns" get rewritejob poison -o jsonpath='{"  shards "}{.status.shards}{"\n  failed shards: "}{.status.failedShards}{"\n"}{range .status.conditions[*]}{"  condition "}{.type}={.status} {.reason}: {.message}{"\n"}{end}{range .status.recentFailures[*]}{"  recent failure: shard "}{.shard} attempt {.attempt} {.reason}: {.message}{"\n"}{end}'
    echo "  Degraded=$(kubectl -n "$ns" get rewritejob poison -o jsonpath='{.status.conditions[?(@.type=="Degraded")].status}')" \
      "(expect True, and one recent failure: the bad file's shard, BadData)" ;;&
  autoscale|all)
    step "autoscaling: a model at 0 grows to up to 3 replicas for a job, then returns to 0"
    # As AutoscalingScenarioTest: 12 shards of 10 documents, batches of 2 sequences, a replica
    # added as soon as one request waits; 4 workers keeping 8 requests each in flight; times
    # shortened (period 2 s, scale-down window 4 s, idle-to-zero 6 s).
    write_corpus "$work/trace-in" 12 10 0
    load_corpus "$work/trace-in" trace-in
    seqs=2 waiting=0 period=2 down=4 idle=6 apply_model trace-model 0 3
    apply_job trace trace-model trace-in trace-out \
      -e 's#^    parallelism: .*#    parallelism: 4#' -e 's#^    concurrencyPerWorker: .*#    concurrencyPerWorker: 8#'
    follow_model trace-model trace 900 ;;&
  latency|all)
    step "P5: from apply to the first committed shard, with the model already Ready"
    write_corpus "$work/p5-in" 4 4 0
    load_corpus "$work/p5-in" p5-in
    idle=30 apply_model p5-model 1 2
    kubectl -n "$ns" wait rewritermodel/p5-model --for=jsonpath='{.status.phase}'=Ready --timeout=600s
    clear_job p5 p5-out
    job_yaml p5 p5-model p5-in p5-out > "$work/p5.yaml"
    plan_job="" plan_pod="" work_job="" work_pod="" first_shard=""
    t0=$(now)
    kubectl -n "$ns" apply -f "$work/p5.yaml"
    until [ -n "$first_shard" ]; do
      mark plan_job kubectl -n "$ns" get job p5-plan
      mark plan_pod pod_started p5-plan
      mark work_job kubectl -n "$ns" get job p5-work
      mark work_pod pod_started p5-work
      mark first_shard shards_done p5 1
      elapsed=$(since "$t0")
      [ "${elapsed%.*}" -lt 300 ] || break
      sleep 0.2
    done
    echo "  seconds after apply: planner Job ${plan_job:--}, planner pod started ${plan_pod:--}," \
      "worker Job ${work_job:--}, worker pod started ${work_pod:--}, first shard committed ${first_shard:--}"
    [ -n "$first_shard" ] || { echo "  no shard committed within 300 s"; kubectl -n "$ns" describe rewritejob p5; exit 1; }
    echo "  P5 apply -> first committed shard: $first_shard s (target 5 s)"
    wait_done p5
    # Let its replica go once idle, so the campaign after it has the node to itself.
    kubectl -n "$ns" patch rewritermodel p5-model --type merge -p '{"spec":{"replicas":{"min":0}}}' ;;&
  campaign|all)
    step "P6: campaign of $campaign_shards uneven shards on a model that starts at 0 replicas (max 4)"
    # As CampaignEfficiencyScenarioTest: median 30 documents per shard with a long tail, batches
    # of 128, 8 requests in flight per worker, parallelism auto. Its timings were scaled with a
    # 12 s load; here the image loads in 30 s, so they are scaled alike (period 7 s, scale-down
    # window and idle-to-zero 30 s).
    write_corpus "$work/p6-in" "$campaign_shards" 30 0.8
    load_corpus "$work/p6-in" p6-in
    seqs=128 period=7 down=30 idle=30 apply_model p6-model 0 4
    apply_job p6 p6-model p6-in p6-out -e 's#^    concurrencyPerWorker: .*#    concurrencyPerWorker: 8#'
    follow_model p6-model p6 3600
    wait_done p6
    report_p6 p6 p6-model ;;
esac

echo
echo "compare with: java -jar worker-image/target/palimpsest.jar local -f examples/quickstart --simulate"
