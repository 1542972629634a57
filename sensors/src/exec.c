// Files the kernel opens itself on exec, which no syscall names: the `#!` interpreter chain
// and the ELF program interpreter, recorded as `interp` events.
#include "sensor.h"
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// The "#!" interpreter(s) of a script and the ELF program interpreter (ld.so), as the file names them.
void exec_extras(pid_t pid, const char *path, int proc_exe)
{
	char cur[SENSOR_PATH_MAX], buf[256];
	snprintf(cur, sizeof cur, "%s", path);
	for (int depth = 0; depth < 4; depth++) {
		int fd = open(cur, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n < 3 || buf[0] != '#' || buf[1] != '!')
			break;
		buf[n] = 0;
		char *s = buf + 2 + strspn(buf + 2, " \t");
		s[strcspn(s, " \t\r\n")] = 0;
		if (!*s)
			break;
		resolve_at(pid, AT_FDCWD, s, cur, sizeof cur);
		trace_event(pid, "interp", 'x', 0, cur, NULL);
	}
	// After the exec (ptrace) the program is /proc/PID/exe; before it (notify) the end of the chain.
	if (proc_exe)
		snprintf(cur, sizeof cur, "/proc/%d/exe", pid);
	int fd = open(cur, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof eh, 0) == sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr)) {
		for (int i = 0; i < eh.e_phnum && i < 64; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) != sizeof ph)
				break;
			if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz >= sizeof cur)
				continue;
			if (pread(fd, cur, ph.p_filesz, (off_t)ph.p_offset) == (ssize_t)ph.p_filesz) {
				cur[ph.p_filesz] = 0;
				trace_event(pid, "interp", 'x', 0, cur, NULL);
			}
			break;
		}
	}
	close(fd);
}

