// A security.capability attribute as xray shows it (cap_net_bind_service, ...).
import { decodeFileCapability } from '../util/capabilities.js';

export interface DecodedCaps {
  permitted: string[];
  inheritable: string[];
  effective: boolean;
}

export function decodeCapability(buf: Buffer): DecodedCaps | undefined {
  const caps = decodeFileCapability(buf);
  if (!caps) return undefined;
  const shown = (names: string[]) => names.map((n) => `cap_${n.toLowerCase()}`);
  return { permitted: shown(caps.permitted), inheritable: shown(caps.inheritable), effective: caps.effective };
}
