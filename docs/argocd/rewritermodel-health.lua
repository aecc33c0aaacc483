-- Argo CD health of a palimpsest.io RewriterModel, from status.phase and status.conditions.
-- Ready and ScaledToZero (no replica while no work waits) are Healthy; Pending and Loading
-- (weights downloading, replicas starting) and a Ready model rolling out a new pod template are Progressing; Degraded and Failed are Degraded with
-- the reason of the condition that says why.
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
local stalled = condition(status.conditions, "Stalled")
local progressing = condition(status.conditions, "Progressing")

if stalled ~= nil and stalled.status == "True" and phase ~= "Failed" then
  hs.status = "Degraded"
  hs.message = "Stalled: " .. describe(stalled, "Stalled")
elseif phase == "Ready" and progressing ~= nil and progressing.status == "True" and progressing.reason == "RollingOut" then
  -- a spec edit rolls the replicas over one at a time: old ones still serve until every replica runs it
  hs.status = "Progressing"
  hs.message = describe(progressing, "RollingOut")
elseif phase == "Ready" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
elseif phase == "ScaledToZero" then
  hs.status = "Healthy"
  hs.message = "Scaled to zero; work wakes the model"
elseif phase == "Pending" or phase == "Loading" then
  hs.status = "Progressing"
  hs.message = phase .. ": " .. describe(ready, phase)
elseif phase == "Degraded" then
  hs.status = "Degraded"
  hs.message = "Degraded: " .. describe((degraded ~= nil and degraded.status == "True") and degraded or ready, "Degraded")
elseif phase == "Failed" then
  hs.status = "Degraded"
  hs.message = "Failed: " .. describe((degraded ~= nil and degraded.status == "True") and degraded or ready, "Failed")
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. tostring(phase)
end
return hs
