# wrk.bash — for the benchmarks that load the server with wrk (sourced
# after lib.sh).

# wrk_parse FILE: "RPS P50 P99 NON2XX ERRORS" from wrk --latency output
# (latencies in ms; ERRORS: socket errors of every kind).
wrk_parse() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000; return v
	}
	/Requests\/sec/ { rps = $2 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/Non-2xx/ { bad = $NF }
	/Socket errors/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
	END { printf "%d %.2f %.2f %d %d\n", rps, p50, p99, bad, err }' "$1"
}
