-- The Argo CD health each recorded RewriterModel status (recorded-statuses.lua, written by the
-- operator's RecordedStatusesTest) must get, plus statuses outside that record: none yet, a
-- newer generation not yet observed, kstatus' Stalled condition, a phase this check does not know.
return {
  { recorded = "Pending/EndpointNotCheckedYet", health = "Progressing", message = "Pending: EndpointNotCheckedYet" },
  { recorded = "Ready/EndpointHealthy", health = "Healthy", message = "EndpointHealthy: GET /v1/models: 200" },
  { recorded = "Degraded/EndpointUnhealthy", health = "Degraded", message = "Degraded: EndpointUnhealthy: GET /v1/models: 503" },
  { recorded = "Loading/DownloadingWeights", health = "Progressing", message = "Loading: DownloadingWeights" },
  { recorded = "Failed/WeightDownloadFailed", health = "Degraded", message = "Failed: WeightDownloadFailed: the weight download Job failed" },
  { recorded = "Loading/Loading", health = "Progressing", message = "Loading: Loading: 0/2 replicas ready" },
  { recorded = "Ready/ReplicasReady", health = "Healthy", message = "ReplicasReady: 2/2 replicas ready" },
  { recorded = "Ready/Scaling", health = "Healthy", message = "ReplicasReady: 2/4 replicas ready" },
  { recorded = "Ready/RollingOut", health = "Progressing", message = "RollingOut: 3/3 replicas ready; rolling out a new pod template: 1 of 3 replicas run it" },
  { recorded = "ScaledToZero/ScaledToZero", health = "Healthy", message = "Scaled to zero" },
  { recorded = "Degraded/ProgressDeadlineExceeded", health = "Degraded", message = "Degraded: ProgressDeadlineExceeded" },
  { recorded = "Degraded/ScaledObjectFailed", health = "Degraded", message = "Degraded: ScaledObjectFailed: autoscaling.mode is keda" },
  { recorded = "Failed/InvalidSpec", health = "Degraded", message = "Failed: InvalidSpec: spec.replicas.max" },
  { name = "no status yet", status = nil, health = "Progressing", message = "Waiting for the operator" },
  { name = "spec edited, not yet observed", recorded = "Ready/ReplicasReady", generation = 2,
    health = "Progressing", message = "Waiting for the operator to observe generation 2" },
  { name = "Stalled (kstatus) while Loading", recorded = "Loading/Loading",
    extraConditions = { { type = "Stalled", status = "True", reason = "ProgressDeadlineExceeded", message = "no replica became ready" } },
    health = "Degraded", message = "Stalled: ProgressDeadlineExceeded: no replica became ready" },
  { name = "unknown phase", status = { phase = "Melting" }, health = "Unknown", message = "Unknown phase Melting" },
}
