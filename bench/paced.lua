-- wrk script: each connection waits WRK_DELAY_MS between a response and its next request, so the
-- total rate is about connections * 1000 / (delay + latency). The achieved rate is reported.
local d = tonumber(os.getenv("WRK_DELAY_MS") or "2")
function delay()
  return d
end
