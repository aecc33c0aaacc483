-- Runs the Argo CD health checks of docs/argocd the way Argo CD runs them (the resource as the
-- global `obj`, the script's return value as the health) against every status in
-- recorded-statuses.lua (written by the operator's RecordedStatusesTest) and a few more, and
-- checks that argocd-cm.yaml carries the same scripts.
--   lua5.4 docs/argocd/test/run.lua
local dir = arg[0]:match("^(.*)/test/run.lua$") or "docs/argocd"
local healthStatuses = { Healthy = true, Progressing = true, Degraded = true, Suspended = true, Missing = true, Unknown = true }
local function statuses_ok(s) return healthStatuses[s] == true end

local function read(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("a")
  f:close()
  return text
end

local failed, ran = 0, 0
local function fail(text)
  failed = failed + 1
  io.stderr:write(text, "\n")
end

local recorded = dofile(dir .. "/test/recorded-statuses.lua")

local function copy(value)
  if type(value) ~= "table" then return value end
  local out = {}
  for k, v in pairs(value) do out[k] = copy(v) end
  return out
end

-- The resource as Argo CD hands it to the script: a recorded status, or the case's own.
local function resource(kind, statuses, case)
  local status = case.status
  if case.recorded ~= nil then
    status = copy(statuses[case.recorded])
    assert(status ~= nil, kind .. ": no recorded status " .. case.recorded)
  end
  for _, c in ipairs(case.extraConditions or {}) do table.insert(status.conditions, c) end
  return { apiVersion = "palimpsest.io/v1alpha1", kind = kind,
           metadata = { name = "example", namespace = "data", generation = case.generation or 1 },
           status = status }
end

local function check(kind, script, statuses, casesFile)
  local source = read(dir .. "/" .. script)
  local covered = {}
  for _, case in ipairs(dofile(dir .. "/test/" .. casesFile)) do
    ran = ran + 1
    local name = case.name or case.recorded
    if case.recorded ~= nil and case.name == nil then covered[case.recorded] = true end
    -- Argo CD gives the script the standard libraries and the resource as `obj`.
    local env = setmetatable({ obj = resource(kind, statuses, case) }, { __index = _G })
    local chunk = assert(load(source, "@" .. script, "t", env))
    local ok, hs = pcall(chunk)
    if not ok then
      fail(script .. " [" .. name .. "]: error " .. tostring(hs))
    elseif type(hs) ~= "table" or not statuses_ok(hs.status) or type(hs.message) ~= "string" then
      fail(script .. " [" .. name .. "]: not a health status: " .. tostring(hs and hs.status))
    elseif hs.status ~= case.health then
      fail(script .. " [" .. name .. "]: " .. hs.status .. " (" .. hs.message .. "), expected " .. case.health)
    elseif not hs.message:find(case.message, 1, true) then
      fail(script .. " [" .. name .. "]: message \"" .. hs.message .. "\" lacks \"" .. case.message .. "\"")
    end
  end
  -- Every status the operator writes has an expected health.
  for name in pairs(statuses) do
    if not covered[name] then fail(casesFile .. ": no case for the recorded status " .. name) end
  end
end

check("RewriteJob", "rewritejob-health.lua", recorded.rewritejob, "rewritejob-cases.lua")
check("RewriterModel", "rewritermodel-health.lua", recorded.rewritermodel, "rewritermodel-cases.lua")

-- argocd-cm.yaml: each key's block scalar, unindented, is the script file verbatim.
local cm = read(dir .. "/argocd-cm.yaml")
for key, script in pairs({ ["resource.customizations.health.palimpsest.io_RewriteJob"] = "rewritejob-health.lua",
                           ["resource.customizations.health.palimpsest.io_RewriterModel"] = "rewritermodel-health.lua" }) do
  ran = ran + 1
  local lines, inside = {}, false
  for line in (cm .. "\n"):gmatch("(.-)\n") do
    if inside then
      if line == "" then table.insert(lines, "")
      elseif line:sub(1, 4) == "    " then table.insert(lines, line:sub(5))
      else break end
    elseif line == "  " .. key .. ": |" then
      inside = true
    end
  end
  while #lines > 0 and lines[#lines] == "" do table.remove(lines) end
  local embedded = table.concat(lines, "\n") .. "\n"
  if not inside then fail("argocd-cm.yaml has no key " .. key)
  elseif embedded ~= read(dir .. "/" .. script) then fail("argocd-cm.yaml's " .. key .. " differs from " .. script) end
end

print(string.format("argocd health checks: %d cases, %d failed", ran, failed))
os.exit(failed == 0 and 0 or 1)
