// Validates a value against the JSON Schema in a SCHEMA.md (its ```json block), for the
// keywords that file declares: type, required, properties, additionalProperties,
// propertyNames, items, enum, const, minimum, pattern, $ref into $defs. Returns the problems.
import { readFileSync } from 'node:fs';

type Schema = Record<string, unknown>;

export function schemaFromMarkdown(path: string): Schema {
  const m = /```json\n([\s\S]*?)```/.exec(readFileSync(path, 'utf8'));
  if (!m) throw new Error(`${path} has no json block`);
  return JSON.parse(m[1]!) as Schema;
}

const KNOWN = new Set(['type', 'required', 'properties', 'additionalProperties', 'propertyNames', 'items', 'enum', 'const', 'minimum', 'pattern', '$ref', '$defs']);

function typeOk(t: string, v: unknown): boolean {
  switch (t) {
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'null': return v === null;
    default: throw new Error(`unknown type ${t}`);
  }
}

export function validate(schema: Schema, value: unknown, root: Schema = schema, at = '$'): string[] {
  const out: string[] = [];
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`schema keyword ${k} at ${at} is not checked`);
  if (typeof schema.$ref === 'string') {
    const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name ? (root.$defs as Record<string, Schema> | undefined)?.[name] : undefined;
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    out.push(...validate(target, value, root, at));
  }
  if (typeof schema.type === 'string' && !typeOk(schema.type, value)) return [...out, `${at}: not ${schema.type}: ${JSON.stringify(value)?.slice(0, 80)}`];
  if ('const' in schema && value !== schema.const) out.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) out.push(`${at}: ${value} < ${schema.minimum}`);
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) out.push(`${at}: "${value}" does not match ${schema.pattern}`);
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => out.push(...validate(schema.items as Schema, v, root, `${at}[${i}]`)));
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in obj)) out.push(`${at}: missing ${r}`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) out.push(...validate(props[k]!, v, root, `${at}.${k}`));
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        out.push(...validate(schema.additionalProperties as Schema, v, root, `${at}.${k}`));
      }
      if (schema.propertyNames) out.push(...validate(schema.propertyNames as Schema, k, root, `${at} key ${k}`));
    }
  }
  return out;
}
