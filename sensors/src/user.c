// --user USER[:GROUP]: names are looked up in the image's own /etc/passwd and /etc/group
// (a static binary has no NSS, and the host's databases would be the wrong ones).
#include "sensor.h"
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int numeric(const char *s, unsigned long *v)
{
	char *end;
	if (!*s)
		return 0;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !*end && !errno;
}

// Splits a colon-separated line in place into at most max fields.
static int split(char *line, char **f, int max)
{
	int n = 0;
	line[strcspn(line, "\n")] = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

static int find_passwd(const char *name, unsigned long id, int by_id, struct user_spec *u)
{
	FILE *f = fopen("/etc/passwd", "re");
	char line[1024], *fl[7];
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f)) {
		unsigned long uid, gid;
		if (split(line, fl, 7) < 7 || !numeric(fl[2], &uid) || !numeric(fl[3], &gid))
			continue;
		if (by_id ? uid != id : strcmp(fl[0], name) != 0)
			continue;
		u->uid = (uid_t)uid;
		u->gid = (gid_t)gid;
		snprintf(u->name, sizeof u->name, "%s", fl[0]);
		snprintf(u->home, sizeof u->home, "%s", fl[5][0] ? fl[5] : "/");
		found = 1;
	}
	fclose(f);
	return found;
}

// Resolves a group name (gid out) and collects the supplementary groups of user `name`.
static int scan_groups(const char *gname, gid_t *gid, struct user_spec *u)
{
	FILE *f = fopen("/etc/group", "re");
	char line[4096], *fl[4];
	int found = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long g;
		int n = split(line, fl, 4);
		if (n < 3 || !numeric(fl[2], &g))
			continue;
		if (gname && !strcmp(fl[0], gname)) {
			*gid = (gid_t)g;
			found = 1;
		}
		if (n < 4 || !u->name[0])
			continue;
		for (char *m = strtok(fl[3], ","); m; m = strtok(NULL, ","))
			if (!strcmp(m, u->name) && u->ngroups < MAX_GROUPS)
				u->groups[u->ngroups++] = (gid_t)g;
	}
	fclose(f);
	return found;
}

int user_lookup(const char *spec, struct user_spec *u)
{
	char user[256], *grp;
	unsigned long v;
	memset(u, 0, sizeof *u);
	snprintf(user, sizeof user, "%s", spec);
	grp = strchr(user, ':');
	if (grp)
		*grp++ = 0;
	if (numeric(user, &v)) {
		if (!find_passwd(NULL, v, 1, u)) { // unknown uid: like docker, gid 0 and HOME=/
			u->uid = (uid_t)v;
			u->gid = 0;
			snprintf(u->home, sizeof u->home, "/");
		}
	} else if (!find_passwd(user, 0, 0, u)) {
		fprintf(stderr, "slimts-sensor: unknown user %s in /etc/passwd\n", user);
		return -1;
	}
	gid_t g = u->gid;
	int gfound = scan_groups(grp && !numeric(grp, &v) ? grp : NULL, &g, u);
	if (grp && numeric(grp, &v))
		g = (gid_t)v;
	else if (grp && !gfound) {
		fprintf(stderr, "slimts-sensor: unknown group %s in /etc/group\n", grp);
		return -1;
	}
	u->gid = g;
	if (u->ngroups < MAX_GROUPS)
		u->groups[u->ngroups++] = g;
	return 0;
}

// Called in the child after the filter is installed: the filter survives the uid change.
int user_apply(const struct user_spec *u)
{
	if (setgroups((size_t)u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0)
		return -1;
	setenv("HOME", u->home, 1);
	if (u->name[0]) {
		setenv("USER", u->name, 1);
		setenv("LOGNAME", u->name, 1);
	}
	return 0;
}
