-- wrk script: adds the bench's headers and prints one JSON line of results when wrk is done.
-- Headers come from the environment (WRK_AUTHORIZATION), so no token is written in this file.
local auth = os.getenv("WRK_AUTHORIZATION")
if auth then wrk.headers["Authorization"] = auth end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests":%d,"seconds":%.6f,"errors":%d,"non_2xx":%d,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"bytes":%d}\n',
    summary.requests, summary.duration / 1e6, errors, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.bytes))
end
