/* Unit tests for shim/sysinfo.c: cgroup quota parsing against fake
 * cgroup trees (v2 and v1, nested limits), affinity and the facts reported. */
#include <sys/stat.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "client.h"

static char root[64];

/* Writes text to root/rel (creating directories on the way). */
static void
put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		return;
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(cpu_max_parse)
{
	int cpus = -1;

	CHECK_INT(sysinfo_cpu_max_parse("max 100000\n", &cpus), 0);
	CHECK_INT(cpus, 0);
	CHECK_INT(sysinfo_cpu_max_parse("200000 100000\n", &cpus), 0);
	CHECK_INT(cpus, 2);
	CHECK_INT(sysinfo_cpu_max_parse("150000 100000", &cpus), 0);
	CHECK_INT(cpus, 1);	/* 1.5 CPUs: one whole job */
	CHECK_INT(sysinfo_cpu_max_parse("50000 100000", &cpus), 0);
	CHECK_INT(cpus, 1);	/* never 0: a limit still allows one */
	CHECK_INT(sysinfo_cpu_max_parse("", &cpus), -1);
	CHECK_INT(sysinfo_cpu_max_parse("abc 100000", &cpus), -1);
	CHECK_INT(sysinfo_cpu_max_parse("-5 100000", &cpus), -1);
}

TEST(cgroup_v2_nested)
{
	put("user.slice/cpu.max", "max 100000\n");
	put("user.slice/build/cpu.max", "300000 100000\n");
	put("user.slice/build/job/cpu.max", "max 100000\n");
	CHECK_INT(sysinfo_cgroup_cpus("0::/user.slice/build/job\n", root), 3);
	CHECK_INT(sysinfo_cgroup_cpus("0::/user.slice\n", root), 0);
	/* the tightest ancestor wins */
	put("cpu.max", "200000 100000\n");
	CHECK_INT(sysinfo_cgroup_cpus("0::/user.slice/build/job\n", root), 2);
	/* a cgroup path that is not in the tree (namespaced) reads the root */
	CHECK_INT(sysinfo_cgroup_cpus("0::/elsewhere\n", root), 2);
}

TEST(cgroup_v1)
{
	put("cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "400000\n");
	put("cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
	put("cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
	put("cpu,cpuacct/cpu.cfs_period_us", "100000\n");
	CHECK_INT(sysinfo_cgroup_cpus(
	    "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/x\n",
	    root), 4);
	CHECK_INT(sysinfo_cgroup_cpus("4:cpu,cpuacct:/\n", root), 0);
	/* cpuacct alone is not the cpu controller */
	CHECK_INT(sysinfo_cgroup_cpus("2:cpuacct:/docker/abc\n", root), 0);
	CHECK_INT(sysinfo_cgroup_cpus("", root), 0);
	CHECK_INT(sysinfo_cgroup_cpus("garbage without colons\n", root), 0);
}

TEST(machine_facts)
{
	double load[3] = { -1, -1, -1 };
	char *s;
	int cores = sysinfo_cores();

	CHECK(sysinfo_affinity_cpus() >= 1);
	CHECK(cores >= 1);
	CHECK(cores <= sysinfo_affinity_cpus());
	CHECK(cores <= sysconf(_SC_NPROCESSORS_CONF));
	sysinfo_load(load);
	CHECK(load[0] >= 0 && load[1] >= 0 && load[2] >= 0);
	s = sysinfo_hostname();
	CHECK(s[0] != '\0');
	free(s);
	s = sysinfo_owner();
	CHECK(s[0] != '\0');
	free(s);
}

TEST(affinity_is_honoured)
{
	cpu_set_t one, old;

	/* pinned to one CPU, the machine lends one core */
	if (sched_getaffinity(0, sizeof(old), &old) != 0)
		return;
	CPU_ZERO(&one);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &old)) {
			CPU_SET(i, &one);
			break;
		}
	CHECK_INT(sched_setaffinity(0, sizeof(one), &one), 0);
	CHECK_INT(sysinfo_affinity_cpus(), 1);
	CHECK_INT(sysinfo_cores(), 1);
	sched_setaffinity(0, sizeof(old), &old);
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/test_sysinfo.XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	RUN(cpu_max_parse);
	RUN(cgroup_v2_nested);
	RUN(cgroup_v1);
	RUN(machine_facts);
	RUN(affinity_is_honoured);
	test_rmtree(root);
	return test_summary();
}
