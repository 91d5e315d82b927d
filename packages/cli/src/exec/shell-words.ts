/**
 * Command text to an argv array without a shell (for the seed profile, whose client sends a bare
 * command line), and back (for sending an argv to the seed's own server, which runs a shell).
 *
 * Quoting works as in POSIX sh: 'single' is literal, "double" lets \ escape \ " $ ` and newline,
 * an unquoted \ escapes the next character. What only a shell can do (pipes, redirections,
 * substitutions, globs, lists, comments) is refused rather than passed on as literal text, so a
 * user who types `ls *.txt` learns that no shell ran it instead of seeing a confusing error.
 */
export type SplitResult = { words: string[] } | { error: string };

const SHELL_ONLY = new Set(["|", "&", ";", "<", ">", "(", ")", "$", "`", "*", "?", "[", "~", "\n", "\r"]);

export function splitWords(text: string): SplitResult {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { error: "unterminated ' quote" };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j]!;
        if (d === "\\" && j + 1 < text.length && '\\"$`\n'.includes(text[j + 1]!)) {
          word += text[++j];
        } else if (d === "$" || d === "`") {
          return { error: `shell syntax ${d} inside double quotes needs a shell` };
        } else {
          word += d;
        }
      }
      if (j >= text.length) return { error: 'unterminated " quote' };
      inWord = true;
      i = j;
      continue;
    }
    if (c === "\\") {
      if (i + 1 >= text.length) return { error: "trailing backslash" };
      word += text[++i];
      inWord = true;
      continue;
    }
    if (SHELL_ONLY.has(c) || (c === "#" && !inWord)) {
      return { error: `shell syntax ${JSON.stringify(c)} needs a shell` };
    }
    word += c;
    inWord = true;
  }
  if (inWord) words.push(word);
  return { words };
}

/** One argument quoted for POSIX sh, left bare when it is plainly safe. */
export function quoteWord(word: string): string {
  if (/^[A-Za-z0-9_\-+=.,/:@%]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function joinCommand(argv: readonly string[]): string {
  return argv.map(quoteWord).join(" ");
}

/** The first word of a shell command line, if it is a plain program name or path (for --shell's allowlist check). */
export function firstWord(text: string): string | null {
  const match = /^[ \t]*([A-Za-z0-9_\-+.,/:@%]+)(?=$|[ \t;|&<>()\n])/.exec(text);
  return match ? match[1]! : null;
}
