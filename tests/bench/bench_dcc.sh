#!/usr/bin/env bash
# bench_dcc.sh — what dcc costs per compile, as ratios against baselines
# measured in the same run, A and B interleaved round by round so drift in
# the machine's load hits both alike:
#   1. dcc with a fresh list vs a bare exec wrapper in front of distcc with
#      the same hosts (`env DISTCC_HOSTS=… distcc gcc …`), same tiny compile
#      (aim: ratio <= 1.02). The list is a 1.1 heartbeat's: per-compiler
#      lines and its table of fingerprinted binaries, so dcc's path is the
#      real one: the config, the list, gcc's wire name and identity (a few
#      stats), the line of its fingerprint;
#   2. dcc exec'ing a no-op stand-in for distcc (DCC_DISTCC) vs that no-op
#      run directly: the shim's own cost (aim: < 0.5 ms added);
# and, for scale, the same for a shim that only calls execv: most of what
# dcc costs is the one extra exec every wrapper pays.
# ROUNDS=200 by default.
set -euo pipefail
top=${DYNDISTCC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${DYNDISTCC_BUILD:-$top/build}
rounds=${ROUNDS:-200}
T=$(mktemp -d "${TMPDIR:-/tmp}/bench_dcc.XXXXXX")
trap 'rm -rf "$T"' EXIT

# interleave: runs A then B, ROUNDS times, each with stdout and stderr on
# /dev/null; prints the medians, the ratio and the difference.
cat >"$T/interleave.c" <<'C'
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
extern char **environ;
static double
run(char **argv)
{
	posix_spawn_file_actions_t fa;
	struct timespec a, b;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		exit(2);
	waitpid(pid, &st, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	posix_spawn_file_actions_destroy(&fa);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "%s failed\n", argv[0]);
		exit(1);
	}
	return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}
static int
cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}
int
main(int argc, char **argv)
{
	int rounds = atoi(argv[1]), i, sep;
	double *ta = calloc(rounds, sizeof(double)), *tb = calloc(rounds, sizeof(double));
	char **a = argv + 2, **b;

	for (sep = 2; sep < argc && strcmp(argv[sep], "--") != 0; sep++)
		;
	argv[sep] = NULL;
	b = argv + sep + 1;
	for (i = 0; i < 10; i++) {	/* warm up */
		run(a);
		run(b);
	}
	for (i = 0; i < rounds; i++) {
		if (i % 2) {
			tb[i] = run(b);
			ta[i] = run(a);
		} else {
			ta[i] = run(a);
			tb[i] = run(b);
		}
	}
	qsort(ta, rounds, sizeof(double), cmp);
	qsort(tb, rounds, sizeof(double), cmp);
	printf("%.3f %.3f %.4f %.3f\n", ta[rounds / 2], tb[rounds / 2],
	    ta[rounds / 2] / tb[rounds / 2], ta[rounds / 2] - tb[rounds / 2]);
	return 0;
}
C
gcc -O2 -o "$T/interleave" "$T/interleave.c"
printf 'int main(void) { return 0; }\n' >"$T/noop.c"
gcc -O2 -o "$T/noop" "$T/noop.c"
# The floors: shims that do nothing but exec the no-op, or distcc.
printf '#include <unistd.h>\nint main(int c, char **v) { (void)c; execv("%s", v); return 1; }\n' \
    "$T/noop" >"$T/execonly.c"
gcc -O2 -o "$T/execonly" "$T/execonly.c"
printf '#include <unistd.h>\nint main(int c, char **v) { (void)c; v[0] = "distcc"; execv("%s", v); return 1; }\n' \
    "$(command -v distcc)" >"$T/execdistcc.c"
gcc -O2 -o "$T/execdistcc" "$T/execdistcc.c"
printf 'int tiny(int x) { return x * 2; }\n' >"$T/tiny.c"

# A client whose heartbeat keeps the system list fresh: the common case.
mkdir -p "$T/state" "$T/home"
cat >"$T/client.conf" <<CONF
server http://127.0.0.1:1
project bench
key 0123456789abcdef0123456789abcdef
state_dir $T/state
masquerade_dir $T/masq
CONF
# The heartbeat's table line for gcc: what distcc sends it as, and the
# identity of that binary (dev:ino:size:mtime_ns), as dcc-heartbeat writes it.
read -r gfp gwire gpath < <(DCC_CONFIG=/dev/null HOME=$T/home "$bin/dcc" --fingerprint gcc)
[ -n "$gfp" ] || { echo "dcc cannot fingerprint gcc"; exit 1; }
gid="$(stat -L -c '%d:%i:%s' "$gpath"):$(date -r "$gpath" +%s%N)"
rm -rf "$T/home/.cache"
printf '# dyndistcc project=bench refresh_after=300 heartbeat=10 ttl=30 pool_threads=2 pool_busy=0 compilers=1 fetched=%s\n# dyndistcc-bin %s %s %s %s\n# dyndistcc-fp %s threads=2 localhost/2\nlocalhost/2\n' \
    "$(date +%s)" "$gfp" "$gwire" "$gid" "$gpath" "$gfp" >"$T/state/hosts"
export HOME=$T/home DCC_CONFIG=$T/client.conf DISTCC_DIR=$T/distcc DISTCC_HOSTS=localhost/2
unset DCC_VERBOSE DCC_LOG DCC_DISTCC _DISTCC_SAFEGUARD
mkdir -p "$DISTCC_DIR"
cd "$T"
distcc=$(command -v distcc)
dcc_bin=$bin/dcc

# dcc must really have taken gcc's line from the heartbeat's table
DCC_LOG=$T/dcc.log "$dcc_bin" gcc -c tiny.c -o a.o
grep -q "fingerprint $gfp from the heartbeat's table" "$T/dcc.log" ||
	{ cat "$T/dcc.log"; echo "dcc did not use the heartbeat's table"; exit 1; }
[ ! -e "$T/home/.cache/dyndistcc/compilers" ] || { echo "dcc fingerprinted gcc itself"; exit 1; }
read -r a b ratio diff < <("$T/interleave" "$rounds" \
    "$dcc_bin" gcc -c tiny.c -o a.o -- /usr/bin/env DISTCC_HOSTS=localhost/2 \
    "$distcc" gcc -c tiny.c -o b.o)
printf 'dcc (fresh 1.1 list) vs env DISTCC_HOSTS=localhost/2 distcc, %d rounds:\n' "$rounds"
printf '  dcc %.3f ms, env+distcc %.3f ms (medians)  ratio %.4f  (aim <= 1.02)\n' "$a" "$b" "$ratio"
read -r a b ratio diff < <("$T/interleave" "$rounds" \
    "$dcc_bin" gcc -c tiny.c -o a.o -- "$distcc" gcc -c tiny.c -o b.o)
printf '  (against distcc run directly, no wrapper: ratio %.4f)\n' "$ratio"

read -r a b ratio diff < <(DCC_DISTCC=$T/noop "$T/interleave" "$rounds" \
    "$dcc_bin" gcc -c tiny.c -o a.o -- "$T/noop" gcc -c tiny.c -o b.o)
printf 'dcc exec-ing a no-op vs the no-op, %d rounds:\n' "$rounds"
printf '  dcc+no-op %.3f ms, no-op %.3f ms (medians)  added %.3f ms  (aim < 0.5 ms)\n' \
    "$a" "$b" "$diff"

printf 'for scale, a shim that only calls execv, in the same two places:\n'
read -r a b ratio diff < <("$T/interleave" "$rounds" \
    "$T/execdistcc" gcc -c tiny.c -o a.o -- "$distcc" gcc -c tiny.c -o b.o)
printf '  in front of distcc: ratio %.4f (%.3f ms added)\n' "$ratio" "$diff"
read -r a b ratio diff < <("$T/interleave" "$rounds" \
    "$dcc_bin" gcc -c tiny.c -o a.o -- "$T/execdistcc" gcc -c tiny.c -o b.o)
printf '  dcc against it: ratio %.4f (%.3f ms): what dcc adds beyond the exec\n' "$ratio" "$diff"
read -r a b ratio diff < <("$T/interleave" "$rounds" \
    "$T/execonly" gcc -c tiny.c -o a.o -- "$T/noop" gcc -c tiny.c -o b.o)
printf '  in front of the no-op: %.3f ms added (one more exec on this machine)\n' "$diff"
