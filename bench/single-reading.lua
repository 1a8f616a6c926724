-- wrk script: one reading per POST /api/v1/readings, each with a unique id.
-- Usage: wrk -t T -c C -d D -s bench/single-reading.lua http://127.0.0.1:PORT -- <run-tag>
-- The API key, if any, comes from the environment variable BENCH_API_KEY (not the command line).
-- done() prints one "BENCH wrk ..." line with the rate and latency percentiles, and counts answers other than 202.

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local counter = 0
local non202 = 0
local prefix, observed, headers

function init(args)
  prefix = string.format("%s-t%d", args[1] or "wrk", tid)
  -- 10 minutes ago, UTC: recent, never in the future.
  observed = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 600)
  headers = { ["Content-Type"] = "application/json" }
  local key = os.getenv("BENCH_API_KEY")
  if key and key ~= "" then
    headers["X-Api-Key"] = key
  end
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"id":"%s-%d","patientId":"p-%03d","type":"heart_rate","value":%d,"observedAt":"%s"}',
    prefix, counter, counter % 200, 60 + counter % 41, observed)
  return wrk.format("POST", "/api/v1/readings", headers, body)
end

function response(status, hdrs, body)
  if status ~= 202 then
    non202 = non202 + 1
    if non202 <= 3 then
      io.stderr:write(string.format("wrk: HTTP %d: %s\n", status, string.sub(body or "", 1, 300)))
    end
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non202") or 0)
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH wrk requests=%d seconds=%.3f requests_per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f " ..
    "non202=%d err_connect=%d err_read=%d err_write=%d err_timeout=%d err_status=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    bad, e.connect, e.read, e.write, e.timeout, e.status))
end
