-- wrk script: POST check-ins for NODES different node ids of one project.
-- Set by the bench through environment: BENCH_PROJECT, BENCH_KEY, BENCH_NODES.
local project = os.getenv("BENCH_PROJECT") or "bench"
local key = os.getenv("BENCH_KEY") or ""
local nodes = tonumber(os.getenv("BENCH_NODES") or "1000")
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

function request()
	i = i + 1
	local n = i % nodes
	local body = string.format('{"project":"%s","node":"%032x","hostname":"h%d",' ..
		'"owner":"bench","cores":%d,"nice":10,"port":3632,"load":[%d.5,0.4,0.3],' ..
		'"version":"1.0.0","addr":"10.%d.%d.%d",' ..
		'"compilers":[{"name":"gcc","version":"12.2.0","target":"x86_64-linux-gnu"}]}',
		project, n, n, 4 + n % 28, n % 8, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 250 + 1)
	return wrk.format(nil, "/api/v1/checkin", nil, body)
end
