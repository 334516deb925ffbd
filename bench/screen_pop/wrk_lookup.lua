-- wrk script for the screen-pop benchmark: GET /api/v1/customers/lookup?phone=... cycling through the
-- numbers in $BENCH_PHONES (one a line), with "Authorization: Bearer $BENCH_TOKEN".
-- Prints one line "BENCH_JSON {...}" with the totals and latency percentiles (microseconds).

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   phones = {}
   for line in io.lines(os.getenv("BENCH_PHONES")) do
      if #line > 0 then phones[#phones + 1] = line end
   end
   headers = { ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") }
   -- each thread starts at its own place in the list
   position = (id * 7919) % #phones
end

function request()
   position = position % #phones + 1
   return wrk.format("GET", "/api/v1/customers/lookup?phone=" .. phones[position], headers)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
         .. '"errors": {"status": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
