// Package databases (dpkg, apk) read, cut to what a slim image keeps, and described as an SBOM.
export { trimPackageDb, databaseFiles, distroOf, OS_ID_FILES, OS_ID_REASON, type InventoryResult } from './trim.js';
export { cyclonedx, purlOf, CYCLONEDX_MEDIA_TYPE, type SbomSubject } from './cyclonedx.js';
export { installedStanzas, listPaths, md5sumsPaths, DPKG_STATUS, DPKG_INFO, DPKG_STATUS_D } from './dpkg.js';
export { APK_INSTALLED, parseApk } from './apk.js';
export type * from './types.js';
