// The shape of `slimts xray --json` (documented in SCHEMA.md; bump schemaVersion on any
// incompatible change).
import type { DiffResult } from './diff.js';
import type { DuplicatesResult } from './duplicates.js';
import type { PathEfficiency } from './efficiency.js';
import type { EstargzLayerInfo } from './estargz.js';
import type { Findings } from './findings.js';
import type { GateResult } from './gate.js';
import type { PackageListing } from './packages.js';

export interface Counted {
  files: number;
  bytes: number;
}

export interface LayerReport {
  index: number;
  digest: string;
  diffId: string;
  mediaType: string;
  /** Bytes of the blob as stored (compressed or not). */
  blobSize: number;
  /** dive's layer size: sum of the sizes of the layer's tar entries. */
  size: number;
  createdBy: string | null;
  created: string | null;
  comment: string | null;
  entries: number;
  added: Counted;
  modified: Counted;
  deleted: Counted;
  whiteouts: number;
  opaqueDirs: string[];
  /** eStargz layers (recognised by their TOC entry): landmark and prefetch list; else null. */
  estargz: EstargzLayerInfo | null;
}

export interface XrayReport {
  schemaVersion: 1;
  image: {
    ref: string;
    id: string;
    os: string;
    architecture: string;
    variant: string | null;
    created: string | null;
  };
  size: {
    /** dive's SizeBytes: sum of layer sizes. */
    bytes: number;
    /** dive's UserSizeBytes: all layers but the first. */
    userBytes: number;
    /** Sum of the layer blobs as stored. */
    blobBytes: number;
  };
  efficiency: {
    score: number;
    wastedBytes: number;
    /** wasted / userBytes; null when userBytes is 0 and something is wasted (dive: +Inf). */
    userWastedPercent: number | null;
    inefficientPaths: number;
    /** The biggest inefficiencies (see --top). */
    inefficiencies: PathEfficiency[];
  };
  layers: LayerReport[];
  files: {
    /** Non-directory entries of the final filesystem. */
    count: number;
    dirs: number;
    /** Bytes of regular files in the final filesystem. */
    bytes: number;
  };
  biggestFiles: Findings['biggestFiles'];
  duplicates: DuplicatesResult;
  security: Pick<Findings, 'setuid' | 'setgid' | 'capabilities' | 'worldWritableDirs'>;
  shells: Findings['shells'];
  packageManagers: Findings['packageManagers'];
  dockerfile: string[];
  /** The package database's inventory, each package with the layer that brought it; null: no database. */
  packages?: PackageListing | null;
  diff?: DiffResult;
  ci?: GateResult;
}
