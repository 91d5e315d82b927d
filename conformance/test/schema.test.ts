// Checks the conformance vector files themselves (not any implementation):
// - every vectors/*.json file is valid against schema/vectors.schema.json (ajv, JSON Schema 2020-12);
// - case ids are unique across all files;
// - every `spec` names a numbered section heading of SPEC.md;
// - there are enough hand-written cases (the JSONTestSuite corpus does not count);
// - every `file` piece names an existing file under conformance/;
// - what the schema cannot express: `splits` ascending and inside the input, `every` only on small
//   inputs, `utf8` pieces and frame `header` strings that have a UTF-8 encoding (no lone surrogates),
//   `jts-` ids only in jsontestsuite.json, one jsontestsuite case per corpus file.
import { describe, it, expect } from 'vitest';
import Ajv2020Module from 'ajv/dist/2020.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ajv is CommonJS: depending on the module settings, the default import is the class itself or the
// module object whose `default` is the class.
type Ajv2020Class = typeof import('ajv/dist/2020.js').Ajv2020;
const Ajv2020: Ajv2020Class =
  (Ajv2020Module as unknown as { default?: Ajv2020Class }).default ??
  (Ajv2020Module as unknown as Ajv2020Class);

const conformanceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const vectorsDir = join(conformanceDir, 'vectors');
const schemaPath = join(conformanceDir, 'schema', 'vectors.schema.json');
const specPath = resolve(conformanceDir, '..', 'SPEC.md');
const corpusRel = 'peer/JSONTestSuite/test_parsing';
const jtsFile = 'jsontestsuite.json';

const MIN_HAND_WRITTEN = 150;
const MAX_EVERY_INPUT = 512; // octets: "every" runs the decoder once per offset

type Piece =
  | { hex: string }
  | { utf8: string }
  | { u32be: number }
  | { u32le: number }
  | { repeat: { count: number; pieces: Piece[] } }
  | { frame: { header?: string; headerPieces?: Piece[]; body?: Piece[]; profile?: 'be' | 'le' } }
  | { file: string };
type Chunking = 'whole' | 'every' | { size: number } | { splits: number[] };
type ExpectedFrame =
  | { header: Record<string, unknown>; body: Piece[] | { size: number; sha256: string } }
  | { repeat: { count: number; frames: ExpectedFrame[] } };
interface Outcome {
  frames?: ExpectedFrame[];
  error?: { code: string; stage: string } | null;
  bytes?: Piece[];
}
interface Case {
  id: string;
  spec: string;
  description: string;
  kind: 'decode' | 'encode' | 'datagram';
  options?: Record<string, unknown>;
  input: Piece[];
  header?: Record<string, unknown>;
  chunkings?: Chunking[];
  expect?: Outcome;
  expectAny?: Outcome[];
}
interface VectorFile {
  description: string;
  cases: Case[];
}

const fileNames = readdirSync(vectorsDir)
  .filter((n) => n.endsWith('.json'))
  .sort();
const files = new Map<string, unknown>(
  fileNames.map((n) => [n, JSON.parse(readFileSync(join(vectorsDir, n), 'utf8')) as unknown]),
);
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;

function casesOf(name: string): Case[] {
  const doc = files.get(name) as Partial<VectorFile> | undefined;
  return Array.isArray(doc?.cases) ? doc.cases : [];
}
const allCases: Array<{ file: string; c: Case }> = fileNames.flatMap((file) =>
  casesOf(file).map((c) => ({ file, c })),
);

/** Numbered section headings of SPEC.md: "## 2. Frame layout", "### 2.3 ...", "#### 3.4.1 ...". */
function specSections(): Set<string> {
  const sections = new Set<string>();
  for (const line of readFileSync(specPath, 'utf8').split(/\r?\n/)) {
    const m = /^#{2,6}\s+(\d+(?:\.\d+)*)\.?\s+\S/.exec(line);
    if (m?.[1] !== undefined) sections.add(m[1]);
  }
  return sections;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Calls visit on every piece, at any depth, and returns the total length in octets. */
function walk(pieces: Piece[], visit: (p: Piece) => void): number {
  let n = 0;
  for (const p of pieces) {
    visit(p);
    if ('hex' in p) n += p.hex.length / 2;
    else if ('utf8' in p) n += Buffer.byteLength(p.utf8, 'utf8');
    else if ('u32be' in p || 'u32le' in p) n += 4;
    else if ('repeat' in p) n += p.repeat.count * walk(p.repeat.pieces, visit);
    else if ('frame' in p) {
      const f = p.frame;
      n += 4;
      n += f.header !== undefined ? Buffer.byteLength(f.header, 'utf8') : walk(f.headerPieces ?? [], visit);
      n += walk(f.body ?? [], visit);
    } else if ('file' in p) {
      const path = join(conformanceDir, p.file);
      n += existsSync(path) ? statSync(path).size : 0;
    }
  }
  return n;
}

function piecesOfOutcome(o: Outcome): Piece[][] {
  const lists: Piece[][] = [];
  if (o.bytes) lists.push(o.bytes);
  const frames = (fs: ExpectedFrame[]): void => {
    for (const f of fs) {
      if ('repeat' in f) frames(f.repeat.frames);
      else if (Array.isArray(f.body)) lists.push(f.body);
    }
  };
  frames(o.frames ?? []);
  return lists;
}

/** Every piece list of a case: input, and the pieces of expected bodies and bytes. */
function pieceLists(c: Case): Piece[][] {
  const outcomes = c.expectAny ?? (c.expect ? [c.expect] : []);
  return [c.input ?? [], ...outcomes.flatMap(piecesOfOutcome)];
}

describe('vector schema', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(schema);

  it('finds the vector files', () => {
    expect(fileNames.length).toBeGreaterThan(1);
    expect(fileNames).toContain(jtsFile);
  });

  it.each(fileNames)('%s is valid against vectors.schema.json', (name) => {
    const ok = validate(files.get(name));
    const errors = (validate.errors ?? [])
      .slice(0, 20)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    expect(errors, errors.join('\n')).toEqual([]);
    expect(ok).toBe(true);
  });

  it('rejects malformed cases', () => {
    const base = {
      id: 'x',
      spec: '2.3',
      description: 'd',
      kind: 'decode',
      input: [{ u32be: 0 }],
      expect: { frames: [], error: { code: 'HEADER_LENGTH_INVALID', stage: 'prefix' } },
    };
    const check = (c: unknown): boolean => validate({ description: 'd', cases: [c] }) as boolean;
    expect(check(base)).toBe(true);
    expect(check({ ...base, id: 'Bad_Id' })).toBe(false);
    expect(check({ ...base, id: 'a--b' })).toBe(false);
    expect(check({ ...base, kind: 'other' })).toBe(false);
    expect(check({ ...base, extra: 1 })).toBe(false);
    expect(check({ ...base, options: { maxHeaderBytes: -1 } })).toBe(false);
    expect(check({ ...base, options: { unknown: 1 } })).toBe(false);
    expect(check({ ...base, options: { checksums: ['md5'] } })).toBe(false);
    expect(check({ ...base, input: [{ hex: 'abc' }] })).toBe(false);
    expect(check({ ...base, input: [{ hex: '0g' }] })).toBe(false);
    expect(check({ ...base, input: [{ u32le: 4294967296 }] })).toBe(false);
    expect(check({ ...base, input: [{ u32be: -1 }] })).toBe(false);
    expect(check({ ...base, input: [{ hex: '00', utf8: 'a' }] })).toBe(false);
    expect(check({ ...base, input: [{ frame: { header: '{}', headerPieces: [] } }] })).toBe(false);
    expect(check({ ...base, input: [{ frame: { body: [] } }] })).toBe(false);
    expect(check({ ...base, input: [{ file: '/etc/passwd' }] })).toBe(false);
    expect(check({ ...base, input: [{ file: 'peer/../../x' }] })).toBe(false);
    expect(check({ ...base, chunkings: [{ size: 0 }] })).toBe(false);
    expect(check({ ...base, chunkings: ['all'] })).toBe(false);
    expect(check({ ...base, expect: { frames: [], error: { code: 'HEADER_LENGTH_INVALID', stage: 'header' } } })).toBe(false);
    expect(check({ ...base, expect: { frames: [], error: { code: 'NOPE', stage: 'prefix' } } })).toBe(false);
    expect(check({ ...base, expect: { frames: [{ header: {} }] } })).toBe(false);
    expect(check({ ...base, expect: { frames: [{ header: {}, body: { size: 1, sha256: 'AB' } }] } })).toBe(false);
    expect(check({ ...base, expectAny: [base.expect] })).toBe(false);
    const { expect: _omit, ...noExpect } = base;
    expect(check(noExpect)).toBe(false);
    expect(check({ ...noExpect, expectAny: [base.expect] })).toBe(true);

    const enc = {
      id: 'e',
      spec: '8.1',
      description: 'd',
      kind: 'encode',
      header: {},
      input: [],
      expect: { bytes: [{ u32be: 16 }, { utf8: '{"total_size":0}' }] },
    };
    expect(check(enc)).toBe(true);
    expect(check({ ...enc, options: { checksums: ['md5', 'sha256'] } })).toBe(true);
    expect(check({ ...enc, options: { checksums: ['md5', 'md5'] } })).toBe(false);
    expect(check({ ...enc, options: { mode: 'streaming' } })).toBe(false);
    expect(check({ ...enc, chunkings: ['whole'] })).toBe(false);
    expect(check({ ...enc, header: undefined })).toBe(false);
    expect(check({ ...enc, expect: { error: { code: 'HEADER_INVALID', stage: 'encode' } } })).toBe(true);
    expect(check({ ...enc, expect: { error: { code: 'HEADER_INVALID', stage: 'header' } } })).toBe(false);
    expect(check({ ...enc, expect: { error: { code: 'TRUNCATED', stage: 'encode' } } })).toBe(false);
    expect(check({ ...enc, expect: { frames: [] } })).toBe(false);
    expect(check({ ...base, header: {} })).toBe(false);
    expect(check({ ...base, expect: { error: { code: 'HEADER_INVALID', stage: 'encode' } } })).toBe(false);
    expect(check({ ...base, options: { maxDatagramBytes: 10 } })).toBe(false);
    expect(check({ ...base, expect: { frames: [], error: { code: 'DATAGRAM_TRAILING_OCTETS', stage: 'end' } } })).toBe(false);
    expect(check({ ...enc, options: { maxDatagramBytes: 10 } })).toBe(false);

    const datagram = {
      id: 'g',
      spec: '9',
      description: 'd',
      kind: 'datagram',
      input: [{ u32be: 16 }, { utf8: '{"total_size":0}' }],
      expect: { frames: [{ header: { total_size: 0 }, body: [] }] },
    };
    const dropped = (code: string, stage: string) => ({ ...datagram, expect: { frames: [], error: { code, stage } } });
    expect(check(datagram)).toBe(true);
    expect(check({ ...datagram, options: { maxDatagramBytes: 0, maxBodyBytes: 5, profile: 'le' } })).toBe(true);
    expect(check(dropped('DATAGRAM_TRAILING_OCTETS', 'end'))).toBe(true);
    expect(check(dropped('DATAGRAM_TOO_LARGE', 'prefix'))).toBe(true);
    expect(check(dropped('TRUNCATED', 'end'))).toBe(true);
    expect(check(dropped('DATAGRAM_TOO_LARGE', 'end'))).toBe(false);
    expect(check(dropped('DATAGRAM_TRAILING_OCTETS', 'encode'))).toBe(false);
    expect(check({ ...datagram, expect: { frames: [] } })).toBe(false);
    expect(check({ ...datagram, expect: { frames: [...datagram.expect.frames, ...datagram.expect.frames] } })).toBe(false);
    expect(check({ ...datagram, expect: { ...datagram.expect, error: { code: 'TRUNCATED', stage: 'end' } } })).toBe(false);
    expect(check({ ...datagram, chunkings: ['whole'] })).toBe(false);
    expect(check({ ...datagram, header: {} })).toBe(false);
    expect(check({ ...datagram, options: { mode: 'buffered' } })).toBe(false);
    expect(check({ ...datagram, options: { maxStreamBodyBytes: 1 } })).toBe(false);
  });
});

describe('vector cases', () => {
  it('has unique ids across all files', () => {
    const seen = new Map<string, string>();
    const dups: string[] = [];
    for (const { file, c } of allCases) {
      const prev = seen.get(c.id);
      if (prev !== undefined) dups.push(`${c.id} (${prev} and ${file})`);
      seen.set(c.id, file);
    }
    expect(dups).toEqual([]);
  });

  it('cites only sections that SPEC.md has', () => {
    const sections = specSections();
    expect(sections.has('2.3')).toBe(true);
    expect(sections.has('3.4.1')).toBe(true);
    const bad = allCases.filter(({ c }) => !sections.has(c.spec)).map(({ file, c }) => `${file}: ${c.id} cites ${c.spec}`);
    expect(bad).toEqual([]);
  });

  it(`has at least ${MIN_HAND_WRITTEN} hand-written cases besides the JSONTestSuite corpus`, () => {
    const handWritten = allCases.filter(({ file }) => file !== jtsFile);
    expect(handWritten.length).toBeGreaterThanOrEqual(MIN_HAND_WRITTEN);
  });

  it('uses jts- ids for exactly the JSONTestSuite cases', () => {
    const bad = allCases
      .filter(({ file, c }) => (file === jtsFile) !== c.id.startsWith('jts-'))
      .map(({ file, c }) => `${file}: ${c.id}`);
    expect(bad).toEqual([]);
  });

  it('has one JSONTestSuite case per corpus file', () => {
    const corpus = readdirSync(join(conformanceDir, corpusRel)).filter((n) => n.endsWith('.json'));
    const used = new Set<string>();
    for (const c of casesOf(jtsFile)) {
      for (const list of pieceLists(c)) walk(list, (p) => { if ('file' in p) used.add(p.file); });
    }
    expect([...used].sort()).toEqual(corpus.map((n) => `${corpusRel}/${n}`).sort());
  });

  it('names only existing files in file pieces', () => {
    const missing: string[] = [];
    for (const { file, c } of allCases) {
      for (const list of pieceLists(c)) {
        walk(list, (p) => {
          if ('file' in p) {
            const path = join(conformanceDir, p.file);
            if (!existsSync(path) || !statSync(path).isFile()) missing.push(`${file}: ${c.id}: ${p.file}`);
          }
        });
      }
    }
    expect(missing).toEqual([]);
  });

  it('writes only well-formed strings in utf8 pieces and frame headers', () => {
    const bad: string[] = [];
    for (const { file, c } of allCases) {
      for (const list of pieceLists(c)) {
        walk(list, (p) => {
          const s = 'utf8' in p ? p.utf8 : 'frame' in p ? p.frame.header : undefined;
          if (s !== undefined && LONE_SURROGATE.test(s)) bad.push(`${file}: ${c.id}`);
        });
      }
    }
    expect(bad).toEqual([]);
  });

  it('uses chunkings that fit the input', () => {
    const bad: string[] = [];
    for (const { file, c } of allCases) {
      if (c.kind !== 'decode') continue;
      const length = walk(c.input ?? [], () => {});
      for (const ch of c.chunkings ?? []) {
        if (ch === 'every' && length > MAX_EVERY_INPUT) {
          bad.push(`${file}: ${c.id}: "every" on ${length} octets (max ${MAX_EVERY_INPUT})`);
        }
        if (typeof ch === 'object' && 'splits' in ch) {
          const s = ch.splits;
          const ascending = s.every((o, i) => o > 0 && o < length && (i === 0 || o > (s[i - 1] ?? 0)));
          if (!ascending) bad.push(`${file}: ${c.id}: splits ${JSON.stringify(s)} for ${length} octets`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
