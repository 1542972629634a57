// Everything `slimts build` can be asked, as the library takes it (the CLI maps flags here).
import type { ContinueAfter, ProgressEvent, RunOverrides } from '../run/types.js';
import type { ProbeOptions } from '../probe/types.js';
import type { SelectOptions } from '../select/index.js';
import type { ConfigEdits } from './config-edit.js';
import type { LayerFormat } from '../oci/layer-format.js';

export type Stage = 'inspect' | 'read' | 'load' | 'index' | 'run' | 'trace' | 'select' | 'packages' | 'write' | 'send' | 'verify' | 'harden';

export interface BuildOptions {
  /** The image to slim: an engine name, docker-archive:PATH, oci-archive:PATH, oci:DIR[:REF] or a bare path. */
  image: string;
  /** os/arch[/variant] to pick from a multi-platform index. */
  platform?: string;
  pull?: boolean;
  /** How the container runs while traced and verified; never changes the output image. */
  run?: RunOverrides;
  continueAfter?: ContinueAfter;
  timeout?: number;
  stopTimeout?: number;
  probes?: ProbeOptions;
  fanotify?: boolean;
  select?: SelectOptions;
  /** HOST[:DEST] static binaries to add. */
  exes?: string[];
  /** Edits of the output config. */
  edits?: ConfigEdits;
  /** Engine tag of the output (default NAME.slim:TAG). */
  tag?: string;
  /** Write the output to PATH instead of the engine: *.tar → OCI archive, else OCI layout dir. */
  output?: string;
  /** Push to HOST[:PORT]/NAME[:TAG] instead of loading (the slim image is loaded under a temp tag to verify). */
  push?: string;
  insecureRegistry?: boolean;
  /** Layer format: gzip (default) or estargz (prefetch in the traced run's first-access order). */
  format?: LayerFormat;
  /**
   * Keep the package database (dpkg, apk) trimmed to what remains, so scanners still see the
   * packages left (default true). False: no database at all; scanners see no packages.
   */
  packageDb?: boolean;
  /** Write a CycloneDX SBOM of the slim image here. */
  sbom?: string;
  /** Observation files or dirs of them (`slimts instrument`'s images), merged with the traced run. */
  observations?: string[];
  /** Run the slim image with the same probes and compare (default true). */
  verify?: boolean;
  /**
   * Record every syscall, write a seccomp profile (`profileFile`, default slim.seccomp.json),
   * find the capabilities and writable paths, and verify the slim image run with all of them.
   */
  harden?: { profileFile?: string };
  /**
   * How an engine image's files are read: `engine` (default) walks a created container of it
   * and fetches only what is needed; `layers` exports the whole image (docker save). Archive
   * and OCI inputs are always read from their layers.
   */
  read?: 'engine' | 'layers';
  /** Host path of slimts-walk (default: the package's sensors/build/, or $SLIMTS_WALKER). */
  walkerPath?: string;
  /** Host path of slimts-sensor (default: the package's sensors/build/, or $SLIMTS_SENSOR). */
  sensorPath?: string;
  onStage?: (stage: Stage, state: 'start' | 'done', ms?: number) => void;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}
