// RFC 822-style stanzas (dpkg's status, apk's installed): parsed for their fields while each
// stanza's exact text is kept, so a trimmed database is the original minus whole stanzas.

export interface Stanza {
  /** The stanza's text as it was, without the blank line after it. */
  raw: string;
  /** Field names lower-cased; a continued value keeps its lines joined by "\n". */
  fields: Map<string, string>;
}

/** dpkg style: `Name: value`, continuation lines start with a space or tab. */
export function parseStanzas(text: string): Stanza[] {
  const out: Stanza[] = [];
  for (const raw of text.replace(/\r\n/g, '\n').split(/\n(?:[ \t]*\n)+/)) {
    const trimmed = raw.replace(/^\n+|\n+$/g, '');
    if (!trimmed) continue;
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of trimmed.split('\n')) {
      if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
        fields.set(last, `${fields.get(last)}\n${line.trim()}`);
        continue;
      }
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]*):[ \t]?(.*)$/.exec(line);
      if (!m) continue;
      last = m[1].toLowerCase();
      fields.set(last, m[2].trim());
    }
    out.push({ raw: trimmed, fields });
  }
  return out;
}

/** Stanzas back to one file: each followed by a blank line, as dpkg writes them. */
export function joinStanzas(raws: readonly string[]): string {
  return raws.map((r) => `${r}\n\n`).join('');
}
