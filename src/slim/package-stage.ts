// The build's two package steps: after select, the inventory joins the keep-set; after send,
// the SBOM is written (--sbom) and, on a push, attached to the pushed image.
import { writeFileSync } from 'node:fs';
import type { ImageFiles } from '../image/files.js';
import type { FsIndex } from '../image/types.js';
import { CYCLONEDX_MEDIA_TYPE, databaseFiles } from '../pkgdb/index.js';
import type { SbomSubject } from '../pkgdb/index.js';
import type { KeepSet } from '../select/index.js';
import { attachArtifact } from '../sink/index.js';
import type { SinkResult } from '../sink/types.js';
import { UserError } from '../util/errors.js';
import type { BuildOptions } from './options.js';
import { addPackageInventory, sbomText, type PackageInventory, type PackagesReport } from './packages.js';

export function packageStage(files: Pick<ImageFiles, 'read' | 'prefetch'>, index: FsIndex, keep: KeepSet, opts: BuildOptions): PackageInventory {
  const enabled = opts.packageDb !== false;
  if (enabled) files.prefetch(databaseFiles(index));
  const inv = addPackageInventory(index, keep, (e, off, len) => files.read(e, off, len), enabled, opts.select?.excludes);
  // said once: an unreadable database is worth a warning while the build runs; its absence only the report's note
  if (inv.report.note && /unreadable/.test(inv.report.note)) opts.onProgress?.({ phase: 'warning', message: inv.report.note });
  return inv;
}

export async function sbomStage(
  packages: PackageInventory, opts: BuildOptions, subject: SbomSubject, sent: SinkResult,
): Promise<PackagesReport> {
  const report = packages.report;
  if (!opts.sbom && sent.kind !== 'registry') return report;
  const text = sbomText(packages.inventory, { ...subject, ...(sent.manifest ? { digest: sent.manifest.digest } : {}) });
  if (!text) {
    if (opts.sbom) report.note = `${report.note ?? 'no package inventory'}; no SBOM written`;
    return report;
  }
  report.sbom = {};
  if (opts.sbom) {
    try {
      writeFileSync(opts.sbom, text);
    } catch (err) {
      throw new UserError(`cannot write the SBOM to ${opts.sbom}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    report.sbom.file = opts.sbom;
  }
  if (sent.kind === 'registry' && sent.manifest && opts.push) {
    try {
      const a = await attachArtifact(opts.push, sent.manifest, CYCLONEDX_MEDIA_TYPE, Buffer.from(text), 'sbom', {
        insecure: opts.insecureRegistry,
        annotations: { 'org.opencontainers.image.description': 'CycloneDX SBOM of the slim image (slimts)' },
      });
      report.sbom.pushed = a.tagRef;
    } catch (err) {
      // the image is pushed and works: a registry that refuses the artifact costs only the attachment
      report.note = `the SBOM could not be attached to the pushed image: ${(err as Error).message}`;
      opts.onProgress?.({ phase: 'warning', message: report.note });
    }
  }
  return report;
}
