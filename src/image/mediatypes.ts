// Media types we read; anything else is refused with a clear message.
export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export const INDEX_TYPES = new Set<string>([MT.ociIndex, MT.dockerList]);
export const MANIFEST_TYPES = new Set<string>([MT.ociManifest, MT.dockerManifest]);
export const CONFIG_TYPES = new Set<string>([MT.ociConfig, MT.dockerConfig]);

export function isSupportedLayerType(mt: string): boolean {
  return (
    /^application\/vnd\.oci\.image\.layer\.(nondistributable\.)?v1\.tar(\+gzip|\+zstd)?$/.test(mt) ||
    /^application\/vnd\.docker\.image\.rootfs\.(foreign\.)?diff\.tar(\.gzip)?$/.test(mt)
  );
}
