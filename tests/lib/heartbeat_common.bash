# heartbeat_common.bash — helpers for the heartbeat_*.sh scenarios (sourced
# after lib.sh, whose create_project and start_node make the project and
# the nodes): the engine behind a job port, jobs sent to it, node lists.

# conf_like FROM TO [KEY VALUE]...: writes TO, a copy of the client.conf
# FROM whose KEY lines say KEY VALUE instead (an empty VALUE drops them).
conf_like() {
	local from=$1 to=$2 edits=()
	shift 2
	while [ $# -ge 2 ]; do
		if [ -n "$2" ]; then
			edits+=(-e "s|^$1 .*|$1 $2|")
		else
			edits+=(-e "/^$1 /d")
		fi
		shift 2
	done
	sed "${edits[@]}" "$from" >"$to"
}

# engine_pid: the pid of the distccd (the compile engine behind the job
# port) that $NODE_DIR's heartbeat runs.
engine_pid() { cat "$NODE_DIR/distccd.pid"; }

# new_engine DIR OLDPID: DIR's heartbeat runs an engine other than OLDPID.
new_engine() {
	local p
	p=$(cat "$1/distccd.pid" 2>/dev/null) || return 1
	[ -n "$p" ] && [ "$p" != "$2" ] && [ -e "/proc/$p/cmdline" ]
}

# engine_opt PID OPT: the value after OPT on that distccd's command line.
engine_opt() {
	tr '\0' '\n' <"/proc/$1/cmdline" | awk -v o="$2" 'p { print; exit } $0 == o { p=1 }'
}

# port_owner ADDR PORT: the pid of the process listening there.
port_owner() {
	ss -Hltnp "src $1:$2" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}

# proc_policy PID: the scheduling policy of a process (field 41 of
# /proc/PID/stat: 0 normal, 5 SCHED_IDLE).
proc_policy() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $39 }'; }

# session_pids SID: the processes of session SID (the engine and its jobs).
session_pids() { ps -e -o pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'; }

# proc_nice PID: the nice value of a process (field 19 of /proc/PID/stat).
proc_nice() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $17 }'; }

# distcc_job SRC ADDR PORT [COMPILER]: one real compile job sent to the
# job port at ADDR:PORT from the local address SRC, speaking distcc's
# protocol 1 (the distcc client cannot choose its source address). Prints
# "ok" when an object file came back, "refused" when the connection closed
# without one.
distcc_job() {
	python3 - "$@" <<'PY'
import socket, sys
src, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
cc = sys.argv[4].encode() if len(sys.argv) > 4 else b"gcc"
def tok(name, data=b""):
    return name.encode() + b"%08x" % len(data) + data
args = [cc, b"-c", b"job.c", b"-o", b"job.o"]
msg = b"DIST00000001" + b"ARGC%08x" % len(args)
msg += b"".join(tok("ARGV", a) for a in args)
msg += tok("DOTI", b"int answer(void) { return 42; }\n")
s = socket.socket()
s.settimeout(60)
s.bind((src, 0))
s.connect((addr, port))
try:
    s.sendall(msg)
    reply = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
except OSError:
    reply = b""
i = reply.find(b"DOTO")
print("ok" if reply.startswith(b"DONE") and i >= 0 and
      reply[i + 12:i + 16] == b"\x7fELF" else "refused")
PY
}

# online_field ADDR JQ: a field of the online node of $PROJECT at ADDR.
online_field() {
	nodes_json | jq -c --arg a "$1" ".nodes[] | select(.addr == \$a and .state == \"online\") | $2"
}

# listed_by ADDR OTHER: the host list the server hands the node at ADDR
# names OTHER (an address).
listed_by() {
	local id
	id=$(nodes_json | jq -r --arg a "$1" '.nodes[] | select(.addr == $a) | .id' | head -1)
	curl -fsS -H "Authorization: Bearer $KEY" -H 'Accept: text/plain' \
	    "$SERVER_URL/api/v1/projects/$PROJECT/hosts?node=$id" | grep -q " $2[:/]"
}

# unlisted_by ADDR OTHER: the list for ADDR no longer names OTHER.
unlisted_by() { ! listed_by "$@"; }

# file_lists FILE ADDR: the hosts file FILE names ADDR.
file_lists() { grep -v '^#' "$1" 2>/dev/null | grep -q " $2[:/]"; }

# busy_compiler: $T/bin/busycc, a compiler whose compile (-c) keeps a child
# process busy on a CPU while $T/busy/go exists (a job's process tree then
# has a grandchild, as a real driver's cc1 is), then runs gcc; -E runs gcc
# at once. distccd finds it through DISTCC_CMDLIST (exported here, with
# gcc's names for the canaries), which the heartbeats started after this
# pass on to their distccd.
busy_compiler() {
	mkdir -p "$T/bin"
	chmod 0755 "$T/bin"
	mkdir -p "$T/busy"
	chmod 1777 "$T/busy"	# distccd runs the jobs as its own user
	chmod 0711 "$T"
	cat >"$T/bin/busycc" <<SH
#!/bin/sh
for a; do case \$a in -E) exec gcc "\$@" ;; esac; done
sh -c 'while [ -e "\$1" ]; do :; done' busyloop "$T/busy/go" &
wait
exec gcc "\$@"
SH
	chmod 0755 "$T/bin/busycc"
	printf '%s\n' "$T/bin/busycc" /usr/bin/gcc "/usr/bin/$(gcc -dumpmachine)-gcc" >"$T/cmdlist"
	chmod 0644 "$T/cmdlist"
	export DISTCC_CMDLIST=$T/cmdlist
}

# busy_jobs SRC ADDR PORT N: starts N busy compile jobs from SRC to the job
# port ADDR:PORT (each prints ok or refused into $T/busy/job.I) and waits
# until all N busy loops run. Sets BUSY_JOBS (the senders' pids).
busy_jobs() {
	local i
	: >"$T/busy/go"
	chmod 0644 "$T/busy/go"
	BUSY_JOBS=()
	for ((i = 1; i <= $4; i++)); do
		distcc_job "$1" "$2" "$3" busycc >"$T/busy/job.$i" 2>&1 &
		BUSY_JOBS+=($!)
	done
	wait_until 30 busy_loops_are "$4" || fail "$4 busy jobs did not start: $(busy_loops) running"
}

# busy_loops: the pids of the busy loops the jobs run.
busy_loops() { pgrep -f "busyloop $T/busy/go" || true; }
busy_loops_are() { [ "$(busy_loops | wc -l)" -eq "$1" ]; }

# busy_stop: ends the busy loops; every job compiles and returns. Sets
# BUSY_RESULT to the jobs' outcomes: "okxN" when all N came back compiled.
busy_stop() {
	local p
	rm -f "$T/busy/go"
	for p in "${BUSY_JOBS[@]}"; do wait "$p" || true; done
	# shellcheck disable=SC2034	# read by the scenarios
	BUSY_RESULT=$(cat "$T"/busy/job.* | sort | uniq -c | awk '{ printf "%s%sx%s", s, $2, $1; s = " " }')
	rm -f "$T"/busy/job.*
}

# proc_sched PID: "POLICY NICE COMMAND" of a process (fields 41 and 19 of
# /proc/PID/stat, its command line cut short), read at once; nothing when it
# is gone.
proc_sched() {
	local stat cmd
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | cut -c1-60) || true
	echo "${stat##*) }" | awk -v c="$cmd" '{ print $39, $17, c }'
}

# tree_pids PID: PID and every process descended from it.
tree_pids() {
	ps -e -o pid=,ppid= | awk -v r="$1" '{ up[$1] = $2 }
	    END { for (p in up) { q = p; while (q != r && (q in up) && q > 1) q = up[q]
		if (q == r) print p } }'
}
