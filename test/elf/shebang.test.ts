import { describe, expect, it } from 'vitest';
import { parseShebang } from '../../src/elf/index.js';

const p = (s: string) => parseShebang(Buffer.from(s));

describe('parseShebang', () => {
  it('reads interpreter and one optional argument like the kernel', () => {
    expect(p('#!/bin/sh\necho hi\n')).toEqual({ interpreter: '/bin/sh' });
    expect(p('#! /usr/bin/env  python3 \n')).toEqual({ interpreter: '/usr/bin/env', arg: 'python3' });
    expect(p('#!/usr/bin/env -S node --flag\n')).toEqual({ interpreter: '/usr/bin/env', arg: '-S node --flag' });
    expect(p('#!/bin/bash\r\n')).toEqual({ interpreter: '/bin/bash' });
    expect(p('#!/bin/sh')).toEqual({ interpreter: '/bin/sh' });
  });
  it('rejects non-scripts', () => {
    expect(p('echo hi\n')).toBeUndefined();
    expect(p('#!\n')).toBeUndefined();
    expect(p('#!   \n')).toBeUndefined();
    expect(parseShebang(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))).toBeUndefined();
  });
});
