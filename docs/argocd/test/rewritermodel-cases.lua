-- Statuses of RewriterModels in every phase, as ModelStatusDecider and the reconciler write them
-- (Ready, Progressing, Degraded; Reconciling and Stalled for kstatus), with the health Argo CD should show.
local function c(type, status, reason, message)
  return { type = type, status = status, reason = reason, message = message or "", observedGeneration = 1 }
end

local function model(phase, ready, progressing, degraded, extra)
  extra = extra or {}
  local conditions = {
    c("Ready", ready[1], ready[2], ready[3]),
    c("Progressing", progressing[1], progressing[2], progressing[3]),
    c("Degraded", degraded[1], degraded[2], degraded[3]),
  }
  for _, more in ipairs(extra.conditions or {}) do table.insert(conditions, more) end
  return { apiVersion = "palimpsest.io/v1alpha1", kind = "RewriterModel",
           metadata = { name = "qwen", namespace = "data", generation = extra.generation or 1 },
           status = { phase = phase, observedGeneration = extra.observedGeneration or 1,
                      replicas = extra.replicas or 0, readyReplicas = extra.readyReplicas or 0,
                      conditions = conditions } }
end

local ok = { "False", "AsExpected", "" }
return {
  { name = "no status yet", obj = { kind = "RewriterModel", metadata = { generation = 1 } },
    health = "Progressing", message = "Waiting for the operator" },
  { name = "Pending: external endpoint not checked",
    obj = model("Pending", { "False", "EndpointNotCheckedYet", "waiting for the first health check" },
      { "True", "EndpointNotCheckedYet", "" }, { "False", "EndpointNotCheckedYet", "" }),
    health = "Progressing", message = "Pending: EndpointNotCheckedYet" },
  { name = "Loading: downloading weights",
    obj = model("Loading", { "False", "DownloadingWeights", "downloading weights into the cache volume" },
      { "True", "DownloadingWeights", "downloading weights into the cache volume" }, ok),
    health = "Progressing", message = "Loading: DownloadingWeights" },
  { name = "Loading: replicas starting",
    obj = model("Loading", { "False", "Loading", "0/2 replicas ready" }, { "True", "Scaling", "0/2 replicas ready" }, ok,
      { replicas = 2 }),
    health = "Progressing", message = "Loading: Loading: 0/2 replicas ready" },
  { name = "Ready",
    obj = model("Ready", { "True", "ReplicasReady", "2/2 replicas ready" }, { "False", "ReplicasReady", "2/2 replicas ready" }, ok,
      { replicas = 2, readyReplicas = 2 }),
    health = "Healthy", message = "ReplicasReady: 2/2 replicas ready" },
  { name = "Ready: external endpoint healthy",
    obj = model("Ready", { "True", "EndpointHealthy", "GET /v1/models: 200" }, { "False", "EndpointHealthy", "" },
      { "False", "EndpointHealthy", "" }),
    health = "Healthy", message = "EndpointHealthy" },
  { name = "ScaledToZero",
    obj = model("ScaledToZero", { "False", "ScaledToZero", "no replica runs; work wakes the model" },
      { "False", "ScaledToZero", "" }, ok),
    health = "Healthy", message = "Scaled to zero" },
  { name = "Degraded: rollout stuck",
    obj = model("Degraded", { "False", "Loading", "0/2 replicas ready" }, { "True", "Scaling", "0/2 replicas ready" },
      { "True", "ProgressDeadlineExceeded", "replicas did not become ready within the progress deadline" }, { replicas = 2 }),
    health = "Degraded", message = "Degraded: ProgressDeadlineExceeded: replicas did not become ready" },
  { name = "Degraded: ScaledObject failed while serving",
    obj = model("Degraded", { "True", "ReplicasReady", "1/1 replicas ready" }, { "False", "ReplicasReady", "1/1 replicas ready" },
      { "True", "ScaledObjectFailed", "KEDA is not installed" }, { replicas = 1, readyReplicas = 1 }),
    health = "Degraded", message = "Degraded: ScaledObjectFailed: KEDA is not installed" },
  { name = "Degraded: external endpoint unhealthy",
    obj = model("Degraded", { "False", "EndpointUnhealthy", "GET /v1/models: 503" }, { "False", "EndpointUnhealthy", "" },
      { "True", "EndpointUnhealthy", "GET /v1/models: 503" }),
    health = "Degraded", message = "Degraded: EndpointUnhealthy: GET /v1/models: 503" },
  { name = "Failed: weight download failed",
    obj = model("Failed", { "False", "WeightDownloadFailed", "the weight download Job failed" },
      { "False", "WeightDownloadFailed", "the weight download Job failed" },
      { "True", "WeightDownloadFailed", "the weight download Job failed" }),
    health = "Degraded", message = "Failed: WeightDownloadFailed: the weight download Job failed" },
  { name = "Failed: invalid spec",
    obj = model("Failed", { "False", "InvalidSpec", "spec.replicas.max: below min" }, { "False", "InvalidSpec", "spec.replicas.max: below min" },
      { "True", "InvalidSpec", "spec.replicas.max: below min" }),
    health = "Degraded", message = "Failed: InvalidSpec: spec.replicas.max" },
  { name = "Stalled condition (kstatus) while Loading",
    obj = model("Loading", { "False", "Loading", "0/1 replicas ready" }, { "True", "Scaling", "0/1 replicas ready" }, ok,
      { conditions = { c("Reconciling", "False", "Loading"), c("Stalled", "True", "ProgressDeadlineExceeded", "no replica became ready") } }),
    health = "Degraded", message = "Stalled: ProgressDeadlineExceeded" },
  { name = "spec edited and not yet observed",
    obj = model("Ready", { "True", "ReplicasReady", "1/1" }, { "False", "ReplicasReady", "" }, ok, { generation = 2, observedGeneration = 1 }),
    health = "Progressing", message = "Waiting for the operator to observe generation 2" },
  { name = "a phase this check does not know", obj = { kind = "RewriterModel", metadata = { generation = 1 }, status = { phase = "Melting" } },
    health = "Unknown", message = "Unknown phase Melting" },
}
