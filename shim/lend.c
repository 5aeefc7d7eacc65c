/*
 * lend.c — how many slots this machine offers now: its cores, capped by
 * the share it lends (lend_share), by the memory the jobs may use (what is
 * available now divided by a per-job allowance, and the jobs' memory cap),
 * and, with `lend idle`, by the owner's own CPU use: while the owner's
 * programs (everything but the pool's jobs) keep the CPUs busy, only
 * lend_floor slots are offered.
 *
 * The owner counts as busy after BUSY_AFTER seconds above the threshold,
 * so slots go at once, and as idle again only after lend_idle_after seconds
 * below it, so a pause between two commands does not bring the pool back.
 */
#include <string.h>

#include "heartbeat.h"

#define BUSY_AFTER	1.0	/* seconds above the threshold: two samples */
#define MIB		(1024LL * 1024)

/* Prepares l for samples: lend only while idle when idle_mode, the owner
 * busy above threshold per cent of all CPUs, idle again after `after`
 * seconds below it. Keeps the samples taken so far. */
void
lend_configure(struct lend *l, int idle_mode, int threshold, int after)
{
	l->idle_mode = idle_mode;
	l->threshold = threshold;
	l->after = after;
	if (!idle_mode) {
		l->owner_busy = 0;
		l->busy_since = l->idle_since = 0;
	}
}

/* Takes one sample: busy and total are the machine's CPU ticks so far
 * (/proc/stat), jobs the ticks the pool's jobs have used so far. Returns 1
 * when the owner became busy or idle with it. */
int
lend_sample(struct lend *l, unsigned long long busy, unsigned long long total,
    unsigned long long jobs, double now)
{
	int was = l->owner_busy;

	if (l->have && total > l->total) {
		double db = (double)(busy >= l->busy ? busy - l->busy : 0);
		double dj = (double)(jobs >= l->jobs ? jobs - l->jobs : 0);
		double own = db > dj ? db - dj : 0;

		l->owner_pct = 100.0 * own / (double)(total - l->total);
		if (l->owner_pct > l->threshold) {
			l->idle_since = 0;
			if (l->busy_since == 0)
				l->busy_since = l->prev;
			if (l->idle_mode && now - l->busy_since >= BUSY_AFTER)
				l->owner_busy = 1;
		} else {
			l->busy_since = 0;
			if (l->idle_since == 0)
				l->idle_since = now;
			if (now - l->idle_since >= l->after)
				l->owner_busy = 0;
		}
	}
	l->busy = busy;
	l->total = total;
	l->jobs = jobs;
	l->prev = now;
	l->have = 1;
	return l->owner_busy != was;
}

/* The slots the memory rule allows (job_mib > 0; -1 for no limit): the
 * jobs running now keep theirs, and more fit in what mem_avail bytes hold
 * of job_mib MiB each, at most what the jobs' memory cap mem_cap (bytes,
 * 0: none) holds. */
int
lend_mem_slots(long long mem_avail, long long mem_cap, int job_mib,
    int running)
{
	long long per = job_mib * MIB, m;

	if (job_mib <= 0)
		return -1;
	m = running + (mem_avail > 0 ? mem_avail / per : 0);
	if (mem_cap > 0 && mem_cap / per < m)
		m = mem_cap / per;
	return m > WIRE_CORES_MAX ? WIRE_CORES_MAX : (int)m;
}

/* The slots to offer: cores, at most share per cent of them (at least
 * one), at most mem_slots (the memory rule; -1: none), at most floor while
 * the owner is busy. */
int
lend_slots(int cores, int share, int floor, int owner_busy, int mem_slots)
{
	long long s = (long long)cores * share / 100;

	if (s < 1)
		s = 1;
	if (mem_slots >= 0 && mem_slots < s)
		s = mem_slots;
	if (owner_busy && floor < s)
		s = floor;
	return s < 0 ? 0 : (int)s;
}
