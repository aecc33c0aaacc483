-- Statuses of RewriteJobs in every phase, as the operator writes them (JobConditions: Ready,
-- Progressing, Degraded, Complete, Failed, Reconciling, Stalled), with the health Argo CD should show.
local function c(type, status, reason, message)
  return { type = type, status = status, reason = reason, message = message or "", observedGeneration = 1 }
end

-- The condition set JobConditions.build writes for a phase and reason.
local function conditions(phase, reason, message, failedShards)
  local working = phase == "Planning" or phase == "Running"
  local healthy = phase == "Succeeded" or (phase == "Running" and reason ~= "ModelNotFound")
  local degraded = failedShards and c("Degraded", "True", "ShardsFailed", "2 shard(s) failed for good: 17,42")
      or c("Degraded", "False", "NoFailedShards")
  return {
    c("Ready", healthy and "True" or "False", reason, message),
    c("Progressing", working and "True" or "False", reason, message),
    degraded,
    c("Complete", phase == "Succeeded" and "True" or "False", phase == "Succeeded" and reason or "NotComplete"),
    c("Failed", phase == "Failed" and "True" or "False", phase == "Failed" and reason or "NotFailed",
      phase == "Failed" and message or ""),
    c("Reconciling", (working or phase == "Pending") and "True" or "False", reason),
    c("Stalled", phase == "Failed" and "True" or "False", reason),
  }
end

local function job(phase, reason, message, extra)
  extra = extra or {}
  local status = {
    phase = phase,
    observedGeneration = extra.observedGeneration or 1,
    progress = extra.progress,
    shards = extra.shards,
    conditions = conditions(phase, reason, message, extra.failedShards),
  }
  return { apiVersion = "palimpsest.io/v1alpha1", kind = "RewriteJob",
           metadata = { name = "wiki-wrap", namespace = "data", generation = extra.generation or 1 },
           status = status }
end

return {
  { name = "no status yet", obj = { kind = "RewriteJob", metadata = { name = "j", generation = 1 } },
    health = "Progressing", message = "Waiting for the operator" },
  { name = "Pending, model not found", obj = job("Pending", "ModelNotFound", "waiting for the RewriterModel"),
    health = "Progressing", message = "Pending: ModelNotFound: waiting for the RewriterModel" },
  { name = "Planning", obj = job("Planning", "Planning", "listing the input and cutting shards"),
    health = "Progressing", message = "Planning: Planning: listing the input" },
  { name = "Running", obj = job("Running", "Running", "120/1000 shards committed", { progress = "120/1000" }),
    health = "Progressing", message = "Running: 120/1000 shards committed (120/1000 shards)" },
  { name = "Running, tallying", obj = job("Running", "Tallying", "all shards finished; summing the receipts for exact totals"),
    health = "Progressing", message = "Tallying: all shards finished" },
  { name = "Running, some shards failed for good",
    obj = job("Running", "Running", "998/1000 shards committed", { progress = "998/1000", failedShards = true }),
    health = "Progressing", message = "ShardsFailed: 2 shard(s) failed for good" },
  { name = "Suspended", obj = job("Suspended", "Suspended", "suspended; committed shards are kept", { progress = "40/100" }),
    health = "Suspended", message = "Suspended (40/100 shards)" },
  { name = "Succeeded", obj = job("Succeeded", "AllShardsCommitted", "1000/1000 shards committed", { progress = "1000/1000" }),
    health = "Healthy", message = "Succeeded (1000/1000 shards)" },
  { name = "Succeeded with failed shards",
    obj = job("Succeeded", "ShardsFailed", "998/1000 shards committed", { progress = "998/1000", failedShards = true }),
    health = "Degraded", message = "Succeeded with shards failed for good; ShardsFailed: 2 shard(s)" },
  { name = "Failed: PlanningFailed", obj = job("Failed", "PlanningFailed", "the planner found no input file under s3://corpus/in/"),
    health = "Degraded", message = "Failed: PlanningFailed: the planner found no input file" },
  { name = "Failed: InvalidSpec", obj = job("Failed", "InvalidSpec", "spec.workers.parallelism: must be at least 1"),
    health = "Degraded", message = "Failed: InvalidSpec: spec.workers.parallelism" },
  { name = "Failed: TooManyFailedShards", obj = job("Failed", "TooManyFailedShards", "TooManyFailedShards", { failedShards = true }),
    health = "Degraded", message = "Failed: TooManyFailedShards" },
  { name = "Failed: WorkerJobFailed", obj = job("Failed", "WorkerJobFailed", "WorkerJobFailed"),
    health = "Degraded", message = "Failed: WorkerJobFailed" },
  { name = "Failed: ModelConfig", obj = job("Failed", "ModelConfig", "the model refused every request: 401 Unauthorized"),
    health = "Degraded", message = "Failed: ModelConfig: the model refused every request" },
  { name = "Failed: RejectedByApiServer", obj = job("Failed", "RejectedByApiServer", "Job wiki-wrap-work: spec.template: Invalid value"),
    health = "Degraded", message = "Failed: RejectedByApiServer" },
  { name = "Failed: InvalidWorkerJob", obj = job("Failed", "InvalidWorkerJob", "completions 200000 exceed 100000"),
    health = "Degraded", message = "Failed: InvalidWorkerJob" },
  { name = "Running, spec edited and not yet observed",
    obj = job("Running", "Running", "1/2 shards committed", { generation = 3, observedGeneration = 2 }),
    health = "Progressing", message = "Waiting for the operator to observe generation 3" },
  { name = "a phase this check does not know", obj = { kind = "RewriteJob", metadata = { generation = 1 }, status = { phase = "Exploded" } },
    health = "Unknown", message = "Unknown phase Exploded" },
}
