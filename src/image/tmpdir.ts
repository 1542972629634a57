// A private temp dir made on first use and removed by image.close() — or, as a safety net for
// images nobody closed (a failed command), when the process exits.
import { rmSync } from 'node:fs';
import { makeTempDirSync } from '../util/tmp.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';

const live = new Set<TmpDir>();
let hooked = false;

function removeAll(): void {
  for (const t of live) t.remove();
}

export class TmpDir {
  private dir: string | undefined;
  private n = 0;
  constructor(private readonly parent = tmpdir()) {}

  path(): string {
    if (!this.dir) {
      try {
        this.dir = makeTempDirSync('image', this.parent);
      } catch (err) {
        throw new UserError(`cannot create a temp dir in "${this.parent}": ${(err as NodeJS.ErrnoException).code ?? err}`);
      }
      live.add(this);
      if (!hooked) {
        hooked = true;
        process.once('exit', removeAll);
      }
    }
    return this.dir;
  }

  /** A fresh file name inside the dir. */
  file(hint: string): string {
    return join(this.path(), `${this.n++}-${hint.replace(/[^\w.-]/g, '_')}`);
  }

  remove(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    live.delete(this);
  }
}
