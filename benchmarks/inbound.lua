-- wrk script for benchmarks/inbound.py: every request is a different prepared gateway request
-- (distinct phone, mother, gateway message id), read from the file given as the first argument.
-- Thread n of T sends lines n, n+T, n+2T, ... so that no two requests repeat; when a thread runs
-- out it starts again (repeats are gateway retries, which the results count and report).
-- Usage: wrk -s inbound.lua URL -- PATHS_FILE THREADS

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   for line in io.lines(args[1]) do
      paths[#paths + 1] = line
   end
   step = tonumber(args[2])
   index = id + 1
   sent = 0
end

function request()
   local path = paths[index]
   index = index + step
   if index > #paths then
      index = id + 1
   end
   sent = sent + 1
   return wrk.format("GET", path)
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local errors = summary.errors
   io.write(string.format("wrk_requests=%d\n", summary.requests))
   io.write(string.format("wrk_seconds=%.3f\n", seconds))
   io.write(string.format("wrk_rate=%.1f\n", summary.requests / seconds))
   io.write(string.format("wrk_non_2xx=%d\n", errors.status))
   io.write(string.format("wrk_socket_errors=%d\n", errors.connect + errors.read + errors.write + errors.timeout))
   io.write(string.format("wrk_latency_p50_ms=%.1f\n", latency:percentile(50) / 1000))
   io.write(string.format("wrk_latency_p99_ms=%.1f\n", latency:percentile(99) / 1000))
end
