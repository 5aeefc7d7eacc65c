/*
 * sysinfo.c — what this machine can lend: usable cores (CPU affinity and
 * cgroup CPU quota, not just the CPUs the kernel sees), load averages,
 * hostname and owner, as dcc-heartbeat reports them in each check-in.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

#define CGROUP_FILE_MAX	4096

/* CPUs this process may run on (sched_getaffinity), at least 1. */
int
sysinfo_affinity_cpus(void)
{
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	size_t ncpu = conf > 0 ? (size_t)conf : 1;

	/* The kernel's mask can be larger than the configured CPUs (hotplug);
	 * grow until it fits. */
	for (; ncpu <= 65536; ncpu *= 2) {
		size_t size = CPU_ALLOC_SIZE(ncpu);
		cpu_set_t *set = CPU_ALLOC(ncpu);
		int n;

		if (set == NULL)
			fatal("out of memory (cpu set)");
		CPU_ZERO_S(size, set);
		if (sched_getaffinity(0, size, set) == 0) {
			n = CPU_COUNT_S(size, set);
			CPU_FREE(set);
			return n > 0 ? n : 1;
		}
		CPU_FREE(set);
		if (errno != EINVAL)
			break;
	}
	return conf > 0 ? (int)conf : 1;
}

/* Whole CPUs a quota of quota/period microseconds allows: at least 1, 0 for
 * "no limit" (quota < 0). */
static int
quota_cpus(double quota, double period)
{
	double cpus;

	if (quota < 0 || period <= 0)
		return 0;
	cpus = quota / period;
	return cpus < 1 ? 1 : (int)cpus;
}

/* Parses a cgroup v2 cpu.max ("max 100000" or "150000 100000") into whole
 * CPUs. *cpus is 0 when unlimited. 0 on success, -1 on malformed text. */
int
sysinfo_cpu_max_parse(const char *text, int *cpus)
{
	char quota[32];
	double period = 100000;
	char *end;
	int n;

	n = sscanf(text, "%31s %lf", quota, &period);
	if (n < 1)
		return -1;
	if (strcmp(quota, "max") == 0) {
		*cpus = 0;
		return 0;
	}
	errno = 0;
	double q = strtod(quota, &end);
	if (errno != 0 || *end != '\0' || q <= 0 || period <= 0)
		return -1;
	*cpus = quota_cpus(q, period);
	return 0;
}

/* Reads one small file under dir/rel/name into buf; -1 when absent. */
static int
read_cg(const char *dir, const char *rel, const char *name, char *buf,
    size_t size)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	if (snprintf(path, sizeof(path), "%s%s/%s", dir, rel, name) >=
	    (int)sizeof(path))
		return -1;
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* Smallest limit over the cgroup at rel and all its ancestors: a parent's
 * quota binds its children too. limit(dir, rel, buf) returns whole CPUs or 0. */
static int
walk_up(const char *dir, const char *cgpath,
    int (*limit)(const char *, const char *))
{
	char rel[PATH_MAX];
	int best = 0;

	if (str_copy(rel, cgpath, sizeof(rel)) >= sizeof(rel))
		return 0;
	for (;;) {
		size_t len = strlen(rel);
		int n;

		while (len > 1 && rel[len - 1] == '/')
			rel[--len] = '\0';
		n = limit(dir, strcmp(rel, "/") == 0 ? "" : rel);
		if (n > 0 && (best == 0 || n < best))
			best = n;
		char *slash = strrchr(rel, '/');
		if (slash == NULL || (slash == rel && rel[1] == '\0'))
			break;
		slash[slash == rel ? 1 : 0] = '\0';
	}
	return best;
}

static int
limit_v2(const char *dir, const char *rel)
{
	char buf[128];
	int cpus;

	if (read_cg(dir, rel, "cpu.max", buf, sizeof(buf)) == -1 ||
	    sysinfo_cpu_max_parse(buf, &cpus) == -1)
		return 0;
	return cpus;
}

static int
limit_v1(const char *dir, const char *rel)
{
	char q[64], p[64];

	if (read_cg(dir, rel, "cpu.cfs_quota_us", q, sizeof(q)) == -1 ||
	    read_cg(dir, rel, "cpu.cfs_period_us", p, sizeof(p)) == -1)
		return 0;
	return quota_cpus(strtod(q, NULL), strtod(p, NULL));
}

/* The CPU quota of this process's cgroup in whole CPUs, 0 when there is none.
 * proc_cgroup is the text of /proc/self/cgroup; root is where the cgroup
 * file systems are mounted ("/sys/fs/cgroup"; tests pass a fake tree).
 * Handles v2 (cpu.max, unified at root or at root/unified) and v1
 * (cpu.cfs_quota_us in the "cpu" hierarchy). */
int
sysinfo_cgroup_cpus(const char *proc_cgroup, const char *root)
{
	const char *line = proc_cgroup;
	int best = 0;

	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[PATH_MAX], dir[PATH_MAX];
		char *ctl, *path;
		int n = 0;

		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			/* "hierarchy-id:controllers:path" */
			ctl = strchr(buf, ':');
			path = ctl ? strchr(ctl + 1, ':') : NULL;
			if (path != NULL) {
				*path++ = '\0';
				*ctl++ = '\0';
				if (strcmp(buf, "0") == 0 && *ctl == '\0') {
					snprintf(dir, sizeof(dir), "%s", root);
					n = walk_up(dir, path, limit_v2);
					if (n == 0) {
						snprintf(dir, sizeof(dir),
						    "%s/unified", root);
						n = walk_up(dir, path, limit_v2);
					}
				} else {
					char ctls[PATH_MAX], *tok, *save;

					str_copy(ctls, ctl, sizeof(ctls));
					for (tok = strtok_r(ctls, ",", &save);
					    tok != NULL;
					    tok = strtok_r(NULL, ",", &save)) {
						if (strcmp(tok, "cpu") != 0)
							continue;
						snprintf(dir, sizeof(dir),
						    "%s/%s", root, ctl);
						n = walk_up(dir, path, limit_v1);
						if (n == 0) {
							snprintf(dir,
							    sizeof(dir),
							    "%s/cpu", root);
							n = walk_up(dir, path,
							    limit_v1);
						}
					}
				}
			}
		}
		if (n > 0 && (best == 0 || n < best))
			best = n;
		line = nl ? nl + 1 : NULL;
	}
	return best;
}

/* Cores this machine can really lend: the CPUs in our affinity mask, capped
 * by any cgroup CPU quota. At least 1. */
int
sysinfo_cores(void)
{
	char err[ERR_MAX];
	int cores = sysinfo_affinity_cpus();
	char *cg = file_read("/proc/self/cgroup", CGROUP_FILE_MAX * 16, NULL,
	    err);

	if (cg != NULL) {
		int quota = sysinfo_cgroup_cpus(cg, "/sys/fs/cgroup");
		if (quota > 0 && quota < cores)
			cores = quota;
		free(cg);
	}
	return cores;
}

/* The 1, 5 and 15 minute load averages; zeros when unavailable. */
void
sysinfo_load(double load[3])
{
	if (getloadavg(load, 3) != 3)
		load[0] = load[1] = load[2] = 0;
}

/* This machine's hostname; the caller frees. */
char *
sysinfo_hostname(void)
{
	char name[256];

	if (gethostname(name, sizeof(name)) == -1 || name[0] == '\0')
		return xstrdup("unknown");
	name[sizeof(name) - 1] = '\0';
	return xstrdup(name);
}

/* Who this machine belongs to, for the panel: the login name of the user
 * running us (SUDO_USER when run through sudo); the caller frees. */
char *
sysinfo_owner(void)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (geteuid() == 0 && sudo != NULL && *sudo != '\0')
		return xstrdup(sudo);
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name[0] != '\0')
		return xstrdup(pw->pw_name);
	return xasprintf("uid%ld", (long)getuid());
}

/* The machine's memory from /proc/meminfo in bytes: MemTotal in *total,
 * MemAvailable in *avail. 0, or -1 when it cannot be read. */
int
sysinfo_memory(long long *total, long long *avail)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");
	int found = 0;

	*total = *avail = 0;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL && found < 2) {
		long long kb;

		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1) {
			*total = kb * 1024;
			found++;
		} else if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1) {
			*avail = kb * 1024;
			found++;
		}
	}
	fclose(f);
	return found == 2 ? 0 : -1;
}

/* The machine's CPU time so far in clock ticks, from the first line of
 * /proc/stat: busy (user, nice, system, irq, softirq, steal) and total
 * (busy, idle and iowait). 0, or -1 when it cannot be read. */
int
sysinfo_cpu_ticks(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	char line[512];
	FILE *f = fopen("/proc/stat", "re");
	int n;

	*busy = *total = 0;
	if (f == NULL)
		return -1;
	n = fgets(line, sizeof(line), f) == NULL ? 0 : sscanf(line,
	    "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
	    &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -1;
	/* user nice system idle iowait irq softirq steal */
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	*total = *busy + v[3] + v[4];
	return 0;
}
