#!/bin/sh
# privs: print this process's capability sets, NoNewPrivs and Seccomp (as /proc shows them).
# privs hostile: under the slimts sensor (PID 1 is not us), try what an untrusted image might
# try against its tracer; print "NAME: failed" or "NAME: SUCCEEDED" for each attempt.
if [ "$1" != hostile ]; then
	while IFS= read -r l; do
		case "$l" in Cap*|NoNewPrivs:*|Seccomp:*) echo "$l" ;; esac
	done < /proc/$$/status
	exit 0
fi
exec 1>&2 # results on stderr: the traced and the plain (verify) run differ here by design
if [ $$ = 1 ]; then # a plain run: there is no tracer to attack
	echo "not traced"
	exit 0
fi
# The bait dir, spelled at run time only: slimts keeps paths a script names literally, and
# this test is about what the attempts can make it keep.
B=$(printf '/opt/%s' hostile)
ev() { printf '1\t2\topenat\tr\t0\t%s\n' "$B/$1"; }
try() {
	name=$1
	shift
	if "$@" 2>/dev/null; then echo "$name: SUCCEEDED"; else echo "$name: failed"; fi
}
# mount(2) directly, so no mount(8) looks the target up: mounting needs CAP_SYS_ADMIN
try mount perl -e 'exit(syscall(165, "tmpfs", "$ARGV[0]/mnt", "tmpfs", 0, 0) == 0 ? 0 : 1)' "$B"
# PTRACE_ATTACH (16) and PTRACE_SEIZE (0x4206) to PID 1, the sensor
try ptrace-attach perl -e 'exit(syscall(101, 16, 1, 0, 0) == 0 ? 0 : 1)'
try ptrace-seize perl -e 'exit(syscall(101, 0x4206, 1, 0, 0) == 0 ? 0 : 1)'
# stop or kill PID 1: the kernel drops it unless PID 1 handles it; the sensor must live on
kill -STOP 1 2>/dev/null
kill -KILL 1 2>/dev/null
sleep 0.3
state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' /proc/1/status)
if [ -d /proc/1 ] && [ "$state" != T ]; then echo "kill-stop: failed"; else echo "kill-stop: SUCCEEDED"; fi
# append to the trace, plant a finished part, replace the trace with a link
append_to() { ev "$2" >> "$1"; }
part() {
	{ echo '#slimts-trace 1 mode=ptrace+seccomp pid=2 start=0'; ev from-part; echo '#end events=1 processes=1 dropped=0 exit=0 mode=ptrace+seccomp'; } > /.slimts/trace.77.done
}
try append append_to /.slimts/trace.tmp from-append
try part part
try link ln -s "$B/from-link" /.slimts/trace
# through PID 1's root and fds (another mount namespace's view)
try procroot append_to /proc/1/root/.slimts/trace.tmp from-procroot
fds() { for f in /proc/1/fd/*; do append_to "$f" from-fd || return 1; done; }
try procfd fds
try sensor-binary sh -c ": > /.slimts/slimts-sensor"
exit 0
