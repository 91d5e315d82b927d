type Open = { items: readonly unknown[]; next: number; close: "]" } | { items: ReadonlyArray<readonly [string, unknown]>; next: number; close: "}" };

/**
 * The JSON text of a decoded header, for display. Unlike JSON.stringify it has no recursion, so a
 * header nested deeper than the call stack (valid: SPEC 3.2 sets no depth limit) still prints, and
 * it writes an infinity (an extension of 1e400, SPEC 3.2) as 1e999, which reads back as the same
 * infinity, where JSON.stringify writes null, and -0 as -0.
 */
export function jsonText(value: unknown): string {
  const out: string[] = [];
  const open: Open[] = [];
  const write = (item: unknown): void => {
    if (Array.isArray(item)) {
      out.push("[");
      open.push({ items: item, next: 0, close: "]" });
    } else if (item !== null && typeof item === "object") {
      out.push("{");
      open.push({ items: Object.entries(item), next: 0, close: "}" });
    } else if (typeof item === "number" && !Number.isFinite(item) && !Number.isNaN(item)) {
      out.push(item > 0 ? "1e999" : "-1e999");
    } else if (Object.is(item, -0)) {
      // JSON.stringify writes 0; an extension's -0 is delivered as it is (SPEC 3.2).
      out.push("-0");
    } else {
      out.push(JSON.stringify(item) ?? "null");
    }
  };
  write(value);
  while (open.length > 0) {
    const top = open[open.length - 1]!;
    if (top.next === top.items.length) {
      out.push(top.close);
      open.pop();
      continue;
    }
    if (top.next > 0) out.push(",");
    if (top.close === "]") {
      write(top.items[top.next++]);
    } else {
      const [name, member] = top.items[top.next++]!;
      out.push(`${JSON.stringify(name)}:`);
      write(member);
    }
  }
  return out.join("");
}
