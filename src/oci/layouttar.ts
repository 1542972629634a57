// A deterministic tar of an image's OCI layout (sorted, mtime 0, uid/gid 0, fixed modes),
// streamed from the image's blobs: the same bytes feed `docker load` and oci-archive files.
import type { StoredImage } from '../image/types.js';
import { encodeHeader, padding, ZEROS } from '../tar/index.js';
import { layoutMembers, memberBytes } from './layout-members.js';

/** `refName` names the image (none: unnamed); `omit` leaves top-level files out (the OCI ones, for a docker-archive). */
export async function* layoutTar(image: StoredImage, refName?: string, omit?: ReadonlySet<string>): AsyncGenerator<Buffer> {
  for (const m of layoutMembers(image, refName, omit)) {
    yield encodeHeader({
      name: m.dir ? `${m.rel}/` : m.rel,
      type: m.dir ? 'dir' : 'file',
      mode: m.dir ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      mtime: 0,
      size: m.size,
    });
    if (m.dir) continue;
    yield* memberBytes(m);
    if (padding(m.size)) yield ZEROS.subarray(0, padding(m.size));
  }
  yield ZEROS;
}
