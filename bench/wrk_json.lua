-- wrk script: adds the bench's headers and prints one JSON line of results when wrk is done.
-- Headers come from the environment (WRK_AUTHORIZATION), so no token is written in this file.
-- With WRK_WALK_FIRST_LIMIT, each thread (one connection each) walks the chat list by its
-- oldestCursor from WRK_WALK_START (a cursor; the top if unset), thread i asking limit=FIRST+i:
-- no URL is asked twice in a run, and a thread that does ask one again (at the end of the list
-- it starts over) counts it as a repeat.
local auth = os.getenv("WRK_AUTHORIZATION")
if auth then wrk.headers["Authorization"] = auth end

local first_limit = tonumber(os.getenv("WRK_WALK_FIRST_LIMIT") or "")
local start = os.getenv("WRK_WALK_START")
local threads = {}

function setup(thread)
  if first_limit then
    thread:set("limit", first_limit + #threads)
  end
  table.insert(threads, thread)
end

local function encoded(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- In each thread's own Lua state: where its walk is, and what it has asked.
local cursor = start and encoded(start)
local asked = {}
local answered = 0
repeats = 0

function request()
  if not limit then return wrk.request() end
  local path = wrk.path .. "?limit=" .. limit .. (cursor and ("&cursor=" .. cursor) or "")
  -- Before its first answer, a thread asks for its first page: wrk also calls request() once
  -- in thread 0 to check the script, and that request is never sent.
  if asked[path] and answered > 0 then repeats = repeats + 1 end
  asked[path] = true
  return wrk.format(nil, path)
end

if first_limit then
  function response(status, headers, body)
    answered = answered + 1
    -- The page's own hasMore is the one just before oldestCursor (a chat's participants have one
    -- too), at the end of the body: looked for there first, so that wrk spends little on it.
    local pattern = '"hasMore":true,"oldestCursor":"([^"]*)"'
    local next_cursor = body:match(pattern, math.max(1, #body - 5000)) or body:match(pattern)
    cursor = next_cursor and encoded(next_cursor) or (start and encoded(start))
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  local repeated = 0
  for _, thread in ipairs(threads) do repeated = repeated + (thread:get("repeats") or 0) end
  io.write(string.format(
    '{"requests":%d,"seconds":%.6f,"errors":%d,"non_2xx":%d,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"bytes":%d,'
    .. '"repeats":%d}\n',
    summary.requests, summary.duration / 1e6, errors, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.bytes, repeated))
end
