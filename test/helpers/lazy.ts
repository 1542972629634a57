// Types for the lazy-pull stack of lazy-stack.mjs (plain JS, shared with the lazy bench).
// @ts-expect-error: plain JS module, typed here
import { startLazyStack as start } from './lazy-stack.mjs';

export interface LazyStack {
  work: string;
  /** containerd's socket, for `ctr --address`. */
  address: string;
  /** ctr-remote images rpull --plain-http through the stargz snapshotter; returns ms taken. */
  rpull(ref: string): number;
  /** Plain `ctr images pull` (overlayfs: the whole image first); returns ms taken. */
  pull(ref: string): number;
  /** `ctr run -d` with the snapshotter the image was pulled for; returns the task's host pid. */
  start(ref: string, id: string, snapshotter: 'stargz' | 'overlayfs'): number;
  /** `ctr run --rm` in the foreground: the app's stdout. */
  runOnce(ref: string, id: string, snapshotter: 'stargz' | 'overlayfs'): string;
  kill(id: string): void;
  /** Whether the snapshotter mounted a layer of `ref` remotely (lazily) rather than pulling it. */
  lazilyMounted(layerDigest: string): boolean;
  /** Removes an image and its snapshots (to pull it again from scratch). */
  forget(ref: string): void;
  daemonLog(): string;
  stop(): Promise<void>;
}

export const startLazyStack = start as (opts?: { fsConfig?: string }) => Promise<LazyStack>;
