// TCP ports the app listens on: at each successful listen(2), the socket's local address is
// looked up in the process's /proc/PID/net/tcp{,6} by the fd's inode, then written to the
// trace (`#listen`, FORMAT.md) and, at once, to the --ports-out file the controller polls: the
// app's real ports are probed, not only those the image EXPOSEs.
#include "sensor.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *ports_file;

void listen_out(const char *file)
{
	ports_file = file;
}

// The socket inode behind fd `fd` of `pid`, or 0.
static unsigned long sock_inode(pid_t pid, int fd)
{
	char link[64], target[64];
	snprintf(link, sizeof link, "/proc/%d/fd/%d", pid, fd);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n <= 0)
		return 0;
	target[n] = 0;
	unsigned long ino = 0;
	return sscanf(target, "socket:[%lu]", &ino) == 1 ? ino : 0;
}

// Finds the listening socket `ino` in one /proc/PID/net/tcp* table: its port and address text.
static int find_in(pid_t pid, const char *table, int v6, unsigned long ino, unsigned *port, char *addr, size_t size)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/net/%s", pid, table);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	int found = 0;
	while (!found && fgets(line, sizeof line, f)) {
		char local[64];
		unsigned st;
		unsigned long inode;
		// sl local rem st tx:rx tr:when retr uid timeout inode
		if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %lu", local, port, &st, &inode) != 4)
			continue;
		if (inode != ino || st != 0x0A)
			continue;
		if (v6 && strlen(local) == 32) {
			struct in6_addr a;
			for (int i = 0; i < 4; i++) {
				char w[9];
				memcpy(w, local + 8 * i, 8);
				w[8] = 0;
				a.s6_addr32[i] = (uint32_t)strtoul(w, NULL, 16); // the kernel printed each word in host order
			}
			inet_ntop(AF_INET6, &a, addr, (socklen_t)size);
		} else {
			struct in_addr a = {(uint32_t)strtoul(local, NULL, 16)};
			inet_ntop(AF_INET, &a, addr, (socklen_t)size);
		}
		found = 1;
	}
	fclose(f);
	return found;
}

void listen_record(pid_t pid, int fd)
{
	unsigned long ino = sock_inode(pid, fd);
	unsigned port = 0;
	char addr[INET6_ADDRSTRLEN] = "";
	if (!ino || !(find_in(pid, "tcp", 0, ino, &port, addr, sizeof addr) || find_in(pid, "tcp6", 1, ino, &port, addr, sizeof addr)))
		return; // not TCP (a unix socket), or gone already
	trace_listen(port, addr);
	if (!ports_file)
		return;
	int out = open(ports_file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return;
	char line[96];
	int n = snprintf(line, sizeof line, "%u\t%s\n", port, addr);
	if (write(out, line, (size_t)n) != n) { /* best effort: the trace has it too */ }
	close(out);
}
