-- wrk script used for every load run of the bench (responder and baseline alike).
-- With WRK_DELAY_MIN_MS/WRK_DELAY_MAX_MS set, each connection waits a random delay in that range
-- before each request: N connections then make a steady, unsynchronised rate of about
-- N / (mean delay) requests/s (wrk has no fixed-rate mode; wrk2 is not packaged by Debian).
-- The latency of a delayed request is still measured from its first byte written.
local lo = tonumber(os.getenv("WRK_DELAY_MIN_MS") or "")
local hi = tonumber(os.getenv("WRK_DELAY_MAX_MS") or "")
if lo and hi then
  math.randomseed(os.time())
  delay = function()
    return math.random(lo, hi)
  end
end

-- One JSON line the bench parses, instead of wrk's human-readable summary.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"latency_mean_us":%.1f,"latency_max_us":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
