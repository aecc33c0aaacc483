-- The Argo CD health each recorded RewriteJob status (recorded-statuses.lua, written by the
-- operator's RecordedStatusesTest) must get, plus statuses the operator writes only in passing:
-- none yet, a newer generation not yet observed, a phase this check does not know.
return {
  { recorded = "Pending/ModelNotFound", health = "Progressing", message = "Pending: ModelNotFound: waiting for the RewriterModel" },
  { recorded = "Planning/Planning", health = "Progressing", message = "Planning: Planning: listing the input" },
  { recorded = "Running/Running", health = "Progressing", message = "Running: 250/1000 shards committed (250/1000 shards)" },
  { recorded = "Running/Running, shards failed", health = "Progressing", message = "; ShardsFailed: 2 shard(s) failed for good: 17,42" },
  { recorded = "Running/ModelNotFound", health = "Progressing", message = "ModelNotFound" },
  { recorded = "Running/Forbidden", health = "Progressing", message = "Forbidden: the operator's role lacks delete on pods" },
  { recorded = "Running/Tallying", health = "Progressing", message = "Tallying: all shards finished" },
  { recorded = "Suspended/Suspended", health = "Suspended", message = "Suspended (25/100 shards)" },
  { recorded = "Succeeded/AllShardsCommitted", health = "Healthy", message = "Succeeded (1000/1000 shards)" },
  { recorded = "Succeeded/ShardsFailed", health = "Degraded", message = "Succeeded, but ShardsFailed: 2 shard(s) failed for good" },
  { recorded = "Succeeded/AllShardsCommitted, tally failed", health = "Degraded", message = "Succeeded, but TallyFailed: could not sum the receipts" },
  { recorded = "Failed/InvalidSpec", health = "Degraded", message = "Failed: InvalidSpec: spec.workers.parallelism" },
  { recorded = "Failed/PlanningFailed", health = "Degraded", message = "Failed: PlanningFailed: the planner found no input file" },
  { recorded = "Failed/TooManyFailedShards", health = "Degraded", message = "Failed: TooManyFailedShards" },
  { recorded = "Failed/WorkerJobFailed", health = "Degraded", message = "Failed: WorkerJobFailed" },
  { recorded = "Failed/ModelConfig", health = "Degraded", message = "Failed: ModelConfig: the model refused every request" },
  { recorded = "Failed/RejectedByApiServer", health = "Degraded", message = "Failed: RejectedByApiServer: Job wiki-wrap-work" },
  { recorded = "Failed/InvalidWorkerJob", health = "Degraded", message = "Failed: InvalidWorkerJob: the worker Job" },
  { recorded = "Failed/ResolvedJobTooLarge", health = "Degraded", message = "Failed: ResolvedJobTooLarge: the resolved job" },
  { name = "no status yet", status = nil, health = "Progressing", message = "Waiting for the operator" },
  { name = "spec edited, not yet observed", recorded = "Running/Running", generation = 3,
    health = "Progressing", message = "Waiting for the operator to observe generation 3" },
  { name = "unknown phase", status = { phase = "Exploded" }, health = "Unknown", message = "Unknown phase Exploded" },
}
