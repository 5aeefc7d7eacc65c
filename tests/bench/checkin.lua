-- wrk script for bench_server.sh: POSTs check-ins of BENCH_NODES different
-- nodes, with the 1.1 fields (slots, admission, health, jobs, a compiler
-- fingerprint). With BENCH_PROJECTS > 1 the nodes are spread over open
-- projects named BENCH_PROJECT0, BENCH_PROJECT1, ...; else all go to
-- BENCH_PROJECT. The nodes advertise 10.x.y.z addresses (the projects allow
-- it), so one loopback client stands for many machines.
local project = os.getenv("BENCH_PROJECT") or "bench"
local projects = tonumber(os.getenv("BENCH_PROJECTS") or "1")
local key = os.getenv("BENCH_KEY") or ""
local nodes = tonumber(os.getenv("BENCH_NODES") or "1000")
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local counter = 0

function setup(thread)
	thread:set("offset", counter)
	counter = counter + 1
end

function init(args)
	i = offset * 7919
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
	if key ~= "" then
		wrk.headers["Authorization"] = "Bearer " .. key
	end
end

-- with BENCH_DELAY_MS, each connection waits that long between requests
-- (a fixed offered rate instead of as fast as possible)
if pause > 0 then
	function delay()
		return pause
	end
end

function request()
	i = i + 1
	local n = i % nodes
	local p = project
	if projects > 1 then
		p = project .. (n % projects)
	end
	local cores = 4 + n % 28
	local body = string.format('{"project":"%s","node":"%032x","hostname":"h%d",' ..
		'"owner":"bench","cores":%d,"slots":%d,"nice":10,"port":3632,"load":[%d.5,0.4,0.3],' ..
		'"version":"1.0.0","addr":"10.%d.%d.%d","admission":"live",' ..
		'"health":{"ok":true},"jobs":{"running":%d,"served":%d},' ..
		'"compilers":[{"name":"gcc","version":"12.2.0","target":"x86_64-linux-gnu",' ..
		'"fp":"%032x"}]}',
		p, n, n, cores, cores, n % 8,
		math.floor(n / 62500) % 250, math.floor(n / 250) % 250, n % 250 + 1,
		n % 4, i, 1 + n % 2)
	return wrk.format(nil, "/api/v1/checkin", nil, body)
end
