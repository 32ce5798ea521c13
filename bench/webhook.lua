-- wrk script: cycles through pre-signed Twilio webhook requests read from a file (one per
-- line: "<client>\t<signature>\t<form body>", as bench/common.py writes them). Each wrk thread
-- takes every Nth line, so no two threads send the same MessageSid.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local total = tonumber(args[2])
  requests = {}
  local n = 0
  for line in io.lines(path) do
    if n % total == id then
      local first = line:find("\t", 1, true)
      local second = line:find("\t", first + 1, true)
      table.insert(requests, {sig = line:sub(first + 1, second - 1), body = line:sub(second + 1)})
    end
    n = n + 1
  end
  index = 0
end

function request()
  index = index % #requests + 1
  local r = requests[index]
  return wrk.format("POST", "/whatsapp", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r.sig,
  }, r.body)
end

function done(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"duration_us\": %d, \"errors\": %d, \"status_errors\": %d, \"p50_us\": %d, \"p99_us\": %d, \"mean_us\": %.1f}\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99), latency.mean))
end
