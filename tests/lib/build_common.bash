# build_common.bash — shared by the build_<tool>.sh scenarios (sourced after
# lib.sh and pool.bash): each builds a small C and C++ project with one build
# tool set up as README.md's "Build systems" says, on a developer machine
# ("dev", no node of its own: its list is localhost/1 and both nodes) with a
# real server and two real nodes (dcc-heartbeat and distccd on 127.0.0.2 and
# .3). The build must work and some of its jobs must run on the nodes (the
# distccds' COMPILE_OK lines), not how many or which: dcc may match
# compilers to nodes more strictly one day.

# build_pool: the server, project "build", nodes n1 and n2 of 2 cores and
# the developer machine "dev"; returns once every node lists the other.
build_pool() {
	start_server --heartbeat 2 --ttl 6 --refresh-after 2
	create_project build
	pool_node n1 127.0.0.2 build "$KEY" 2
	pool_node n2 127.0.0.3 build "$KEY" 2
	pool_client dev build "$KEY" 1
	pool_wait_settled 30 n1 n2 || fail "the nodes did not settle"
	JOBS=$(pool_run dev dcc -j)
	assert_eq "$JOBS" 5 "dcc -j (localhost/1 and two nodes of 2)"
}

# build_sources DIR: DIR/c_1.c … c_12.c and cxx_1.cpp … cxx_4.cpp, one
# function each, and main.c, which prints the sum of their results
# ($BUILD_SUM). Their names, space-separated: $BUILD_C, $BUILD_CXX.
build_sources() {
	local dir=$1 i sum=0
	mkdir -p "$dir"
	BUILD_C="main.c" BUILD_CXX=
	{
		echo '#include <stdio.h>'
		for i in $(seq 12); do echo "int c_$i(int);"; done
		for i in $(seq 4); do echo "int cxx_$i(int);"; done
		echo 'int main(void) { long s = 0;'
		for i in $(seq 12); do echo "s += c_$i(3);"; done
		for i in $(seq 4); do echo "s += cxx_$i(3);"; done
		printf '%s\n' 'printf("%ld\n", s); return 0; }'
	} >"$dir/main.c"
	for i in $(seq 12); do
		printf 'int c_%d(int);\nint c_%d(int x) { return x * %d + 1; }\n' "$i" "$i" "$i" >"$dir/c_$i.c"
		BUILD_C="$BUILD_C c_$i.c"
		sum=$((sum + 3 * i + 1))
	done
	for i in $(seq 4); do
		printf '#include <vector>\nextern "C" int cxx_%d(int);\nint cxx_%d(int x) { std::vector<int> v(x, %d); int s = 0; for (int e : v) s += e; return s; }\n' \
		    "$i" "$i" "$i" >"$dir/cxx_$i.cpp"
		BUILD_CXX="$BUILD_CXX cxx_$i.cpp"
		sum=$((sum + 3 * i))
	done
	BUILD_CXX=${BUILD_CXX# }
	BUILD_SUM=$sum
}

# build_remote_jobs: jobs the nodes' distccds finished so far.
build_remote_jobs() {
	echo $(( $(pool_jobs n1) + $(pool_jobs n2) ))
}

# build_check_remote BEFORE WHAT: some jobs ran on the nodes since BEFORE
# (distccd logs a job after its client has the object: wait for the line);
# prints how many.
build_more_jobs_than() { [ "$(build_remote_jobs)" -gt "$1" ]; }
build_check_remote() {
	wait_until 5 build_more_jobs_than "$1" || fail "$2: no job ran on a node"
	echo "$2: $(( $(build_remote_jobs) - $1 )) jobs ran on the nodes"
}

# build_check_program FILE: FILE runs and prints $BUILD_SUM.
build_check_program() {
	[ -x "$1" ] || fail "no program $1"
	assert_eq "$("$1")" "$BUILD_SUM" "output of $(basename "$1")"
}
