-- bench/wrk/bench.lua — wrk script for recd's benchmark.
-- Without SEEK_FILE_SIZE it sends wrk's plain GET; with it, every request
-- asks for SEEK_LEN bytes (default 65536) at a uniformly random offset of a
-- SEEK_FILE_SIZE-byte recording ("Range: bytes=a-b"). When wrk finishes,
-- one line "BENCH_JSON {...}" carries the totals for bench/run.

local size = tonumber(os.getenv("SEEK_FILE_SIZE") or "")
local len = tonumber(os.getenv("SEEK_LEN") or "65536")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
end

if size then
  function request()
    local off = math.random(0, size - len)
    return wrk.format(nil, nil, { ["Range"] = "bytes=" .. off .. "-" .. (off + len - 1) })
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"bytes":%d,"duration_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.bytes, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
