// The overlay model: layers merged by whiteouts and opaque directories into one tree.
export { MergedTree } from './tree.js';
export { applyLayer, namedPaths, planLayer } from './layer.js';
export type { LayerObserver, LayerPlan, Removal, Step } from './layer.js';
export { OPAQUE, WHITEOUT, overlayName, victimOf } from './names.js';
export type { OverlayName } from './names.js';
