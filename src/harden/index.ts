// Hardening proven by a run: a seccomp profile, the capability set and the read-only root
// with its tmpfs mounts, planned from the trace (pure) and checked by the hardened verify.
export { planHardening, type Hardening, type PlanInput } from './plan.js';
export { seccompProfile, withoutSyscall, ALWAYS, RUNTIME, type SeccompProfile } from './syscalls.js';
export { neededCaps, fileCapNames, startsAsRoot, type CapNeed } from './caps.js';
export { writablePaths, type Tmpfs } from './writable.js';
export { dockerRunLine, composeSnippet } from './commands.js';
export { verifyHardened, hardenedOverrides, type HardenedVerifyReport, type Part } from './verify.js';
