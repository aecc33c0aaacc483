-- Runs the Argo CD health checks of docs/argocd against their recorded cases, the way Argo CD runs
-- them (the resource as the global `obj`, the script's return value as the health), and checks
-- that argocd-cm.yaml carries the same scripts.
--   lua5.4 docs/argocd/test/run.lua
local dir = arg[0]:match("^(.*)/test/run.lua$") or "docs/argocd"
local statuses = { Healthy = true, Progressing = true, Degraded = true, Suspended = true, Missing = true, Unknown = true }

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

local function check(script, casesFile)
  local source = read(dir .. "/" .. script)
  local cases = dofile(dir .. "/test/" .. casesFile)
  for _, case in ipairs(cases) do
    ran = ran + 1
    -- Argo CD gives the script the standard libraries and the resource as `obj`.
    local env = setmetatable({ obj = case.obj }, { __index = _G })
    local chunk = assert(load(source, "@" .. script, "t", env))
    local ok, hs = pcall(chunk)
    if not ok then
      fail(script .. " [" .. case.name .. "]: error " .. tostring(hs))
    elseif type(hs) ~= "table" or not statuses[hs.status] or type(hs.message) ~= "string" then
      fail(script .. " [" .. case.name .. "]: not a health status: " .. tostring(hs and hs.status))
    elseif hs.status ~= case.health then
      fail(script .. " [" .. case.name .. "]: " .. hs.status .. " (" .. hs.message .. "), expected " .. case.health)
    elseif not hs.message:find(case.message, 1, true) then
      fail(script .. " [" .. case.name .. "]: message \"" .. hs.message .. "\" lacks \"" .. case.message .. "\"")
    end
  end
end

check("rewritejob-health.lua", "rewritejob-cases.lua")
check("rewritermodel-health.lua", "rewritermodel-cases.lua")

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
