/** Thrown for values that have no canonical JSON form; the encoder turns it into HEADER_INVALID. */
export class NotJsonError extends Error {}

/** Top-level members that come first, in this order (SPEC 8.1.3). */
const HEADER_ORDER = ["total_size", "id", "filename", "md5", "sha256", "error"] as const;
const ERROR_ORDER = ["code", "message"] as const;

/** Created by an object literal or JSON.parse (or without a prototype): the only objects with a JSON form. */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function stringToJson(value: string, path: string): string {
  if (!value.isWellFormed()) throw new NotJsonError(`${path}: string has a lone surrogate`);
  // JSON.stringify escapes exactly as SPEC 8.1.4 asks for well-formed strings.
  return JSON.stringify(value);
}

function numberToJson(value: number, path: string): string {
  if (!Number.isFinite(value)) throw new NotJsonError(`${path}: ${value} is not a finite number`);
  return Object.is(value, -0) ? "0" : String(value);
}

/** Canonical JSON of one value (SPEC 8.1), keys of nested objects in UTF-16 code unit order. */
export function valueToJson(value: unknown, path: string, depth = 0): string {
  switch (typeof value) {
    case "string":
      return stringToJson(value, path);
    case "number":
      return numberToJson(value, path);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (depth > 1000) throw new NotJsonError(`${path}: nested too deeply (or cyclic)`);
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          items.push(item === undefined ? "null" : valueToJson(item, `${path}[${i}]`, depth + 1));
        }
        return `[${items.join(",")}]`;
      }
      if (!isPlainObject(value)) throw new NotJsonError(`${path}: only plain objects and arrays can be sent`);
      return membersToJson(value, Object.keys(value).sort(), path, depth + 1);
    }
    default:
      throw new NotJsonError(`${path}: a ${typeof value} cannot be sent as JSON`);
  }
}

/** `{"k":v,...}` for the given keys, in the given order; members that are undefined are left out. */
export function membersToJson(object: Record<string, unknown>, keys: readonly string[], path: string, depth: number): string {
  let out = "{";
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    if (out.length > 1) out += ",";
    out += stringToJson(key, path) + ":" + valueToJson(member, path === "" ? key : `${path}.${key}`, depth);
  }
  return out + "}";
}

function withKnownFirst(object: Record<string, unknown>, known: readonly string[]): string[] {
  const rest = Object.keys(object).filter((key) => !known.includes(key)).sort();
  return [...known.filter((key) => Object.prototype.hasOwnProperty.call(object, key)), ...rest];
}

/** `"name":` of the known top-level members, written once rather than per frame. */
const HEADER_PREFIXES: readonly string[] = HEADER_ORDER.map((key) => `${JSON.stringify(key)}:`);

/** The canonical header text (SPEC 8.1): known members first, then extensions sorted. */
export function headerToJson(header: Record<string, unknown>): string {
  // Runs once per frame: one pass over the names, no intermediate arrays unless there are extensions.
  const names = Object.keys(header);
  let extensions: string[] | null = null;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (!(HEADER_ORDER as readonly string[]).includes(name)) (extensions ??= []).push(name);
  }
  let out = "{";
  for (let k = 0; k < HEADER_ORDER.length; k++) {
    const key = HEADER_ORDER[k]!;
    const member = header[key];
    // Own members only: an inherited (polluted) value is not part of the header.
    if (member === undefined || !Object.prototype.hasOwnProperty.call(header, key)) continue;
    if (out.length > 1) out += ",";
    if (key === "error" && member !== null && typeof member === "object" && isPlainObject(member)) {
      // The error object has its own order: code, message, then the rest.
      const error = member as Record<string, unknown>;
      out += HEADER_PREFIXES[k]! + membersToJson(error, withKnownFirst(error, ERROR_ORDER), "error", 2);
    } else {
      out += HEADER_PREFIXES[k]! + valueToJson(member, key, 1);
    }
  }
  if (extensions !== null) {
    extensions.sort();
    for (const key of extensions) {
      const member = header[key];
      if (member === undefined) continue;
      if (out.length > 1) out += ",";
      out += stringToJson(key, "") + ":" + valueToJson(member, key, 1);
    }
  }
  return out + "}";
}
