// Whether an interactive view can run: a person at a terminal. With CI (or
// CONTINUOUS_INTEGRATION) set, ink draws only the last frame (its is-in-ci rule), so a view
// would stay blank until it quits: there, as off a terminal, the plain output is printed.

/** The environment ink takes for a CI machine (the same rule as its is-in-ci). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['CI', 'CONTINUOUS_INTEGRATION'].some((k) => k in env && env[k] !== '0' && env[k] !== 'false');
}

/** Both stdin and stdout are a terminal, and not in CI. */
export function interactiveTerminal(): boolean {
  return !!process.stdout.isTTY && !!process.stdin.isTTY && !inCi();
}
