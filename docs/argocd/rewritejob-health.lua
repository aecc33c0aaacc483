-- Argo CD health of a palimpsest.io RewriteJob, from status.phase and status.conditions.
-- Planning and Running campaigns are Progressing (a campaign runs for days; Argo CD should not call
-- it broken meanwhile), a suspended one is Suspended (spec.suspend: it waits for a person, to read its
-- preview or to resume it, as Argo CD calls a suspended Job Suspended; the message says how the
-- preview went and how to start), Succeeded is Healthy unless shards failed for good, and Failed is
-- Degraded with the operator's reason. An edit that did not reach what runs (the SpecApplied
-- condition False), and an ended job's workers still stopping (Reconciling WorkersStopping: another
-- job into its output waits for them), are added to the message.
local hs = { status = "Progressing", message = "Waiting for the operator to record a status" }

local function condition(conditions, type)
  if conditions == nil then return nil end
  for _, c in ipairs(conditions) do
    if c.type == type then return c end
  end
  return nil
end

local function describe(c, fallback)
  if c == nil then return fallback end
  local text = c.reason or fallback
  if c.message ~= nil and c.message ~= "" then text = text .. ": " .. c.message end
  return text
end

if obj.status == nil or obj.status.phase == nil then
  return hs
end
local status = obj.status
if status.observedGeneration ~= nil and obj.metadata ~= nil and obj.metadata.generation ~= nil
    and status.observedGeneration < obj.metadata.generation then
  hs.message = "Waiting for the operator to observe generation " .. obj.metadata.generation
  return hs
end

local phase = status.phase
local ready = condition(status.conditions, "Ready")
local degraded = condition(status.conditions, "Degraded")
local failedShards = degraded ~= nil and degraded.status == "True" -- ShardsFailed or TallyFailed
local progress = status.progress ~= nil and (" (" .. status.progress .. " shards)") or ""

if phase == "Pending" or phase == "Planning" then
  hs.status = "Progressing"
  hs.message = phase .. ": " .. describe(ready, phase)
elseif phase == "Running" then
  hs.status = "Progressing"
  hs.message = describe(ready, "Running") .. progress
  if failedShards then hs.message = hs.message .. "; " .. describe(degraded, "ShardsFailed") end
elseif phase == "Suspended" then
  hs.status = "Suspended"
  hs.message = "Suspended" .. progress
  -- held while suspended (a spec edited past the operator's policy): said, the health stays the phase's
  if ready ~= nil and ready.reason ~= nil and ready.reason ~= "Suspended" then
    hs.message = hs.message .. "; " .. describe(ready, "")
  end
  local previewed = condition(status.conditions, "Previewed")
  if previewed ~= nil then
    hs.message = hs.message .. "; " .. describe(previewed, "Previewed")
    if previewed.reason == "PreviewDone" then
      hs.message = hs.message .. "; set spec.suspend to false to start the campaign on this plan"
    end
  end
elseif phase == "Succeeded" then
  if failedShards then
    -- shards failed for good within retry.maxFailedShards, or the totals could not be tallied
    hs.status = "Degraded"
    hs.message = "Succeeded, but " .. describe(degraded, "Degraded")
  else
    hs.status = "Healthy"
    hs.message = "Succeeded" .. progress
  end
elseif phase == "Failed" then
  hs.status = "Degraded"
  hs.message = "Failed: " .. describe(condition(status.conditions, "Failed") or ready, "Failed")
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. tostring(phase)
  return hs
end
local reconciling = condition(status.conditions, "Reconciling")
if (phase == "Succeeded" or phase == "Failed") and reconciling ~= nil and reconciling.status == "True"
    and reconciling.reason == "WorkersStopping" then
  hs.message = hs.message .. "; " .. describe(reconciling, "WorkersStopping")
end
-- A spec edit (or the model's API key Secret) that cannot reach the job's worker Job: synced from Git,
-- yet not in force. The health stays what the phase says; the message names what did not apply.
local applied = condition(status.conditions, "SpecApplied")
if applied ~= nil and applied.status == "False" then
  hs.message = hs.message .. "; SpecApplied " .. describe(applied, "NotApplied")
end
return hs
