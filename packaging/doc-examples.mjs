// The TypeScript examples of the READMEs and docs/api.md, as a user copies them. Each ```ts block
// must be preceded by a comment saying what to do with it, so that a new example cannot be skipped
// by accident:
//   <!-- example: node run -->                       type-check it, then run it (node, bun or deno)
//   <!-- example: node check; declare const body: Uint8Array; -->
//                                                    a fragment: type-check it with those givens
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const DOCS = [
  "README.md",
  "docs/api.md",
  "packages/codec/README.md",
  "packages/node/README.md",
  "packages/bun/README.md",
  "packages/deno/README.md",
];

const ANNOTATION = /^<!-- example: (node|bun|deno) (run|check)(?:; ([^]*?))? -->$/;

/**
 * Every ```ts block of the docs, with its runtime, whether it runs, the declarations it is given,
 * and a file name that says where it came from. Throws on a block without its annotation.
 */
export function docExamples(root) {
  const examples = [];
  for (const doc of DOCS) {
    const lines = readFileSync(join(root, doc), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] !== "```ts") continue;
      const end = lines.indexOf("```", i + 1);
      if (end === -1) throw new Error(`${doc}:${i + 1}: unclosed code block`);
      const annotation = ANNOTATION.exec(lines[i - 1] ?? "");
      if (annotation === null) throw new Error(`${doc}:${i + 1}: a ts example without "<!-- example: RUNTIME run|check -->" on the line before`);
      const [, runtime, mode, givens = ""] = annotation;
      const name = `doc-${doc.replace(/\.md$/, "").replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}-${i + 1}.ts`;
      const code = lines.slice(i + 1, end).join("\n");
      examples.push({ where: `${doc}:${i + 1}`, name, runtime, runs: mode === "run", code: `${givens ? `${givens}\n` : ""}${code}\nexport {};\n` });
      i = end;
    }
  }
  return examples;
}
