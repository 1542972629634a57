// "#!" lines the way the Linux kernel reads them (fs/binfmt_script.c): the interpreter is
// the first word, and everything after it up to the newline, trimmed, is one optional arg.

/** How many bytes of a file the kernel looks at for "#!" (BINPRM_BUF_SIZE). */
export const SHEBANG_MAX = 256;

export function parseShebang(firstBytes: Buffer): { interpreter: string; arg?: string } | undefined {
  if (firstBytes.length < 3 || firstBytes[0] !== 0x23 || firstBytes[1] !== 0x21) return undefined;
  let end = firstBytes.indexOf(0x0a, 2);
  if (end < 0) end = Math.min(firstBytes.length, SHEBANG_MAX);
  const line = firstBytes.toString('utf8', 2, end).replace(/\r$/, '').replace(/^[ \t]+|[ \t]+$/g, '');
  if (line === '') return undefined;
  const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return undefined;
  const arg = m[2]?.trim();
  return arg ? { interpreter: m[1]!, arg } : { interpreter: m[1]! };
}
