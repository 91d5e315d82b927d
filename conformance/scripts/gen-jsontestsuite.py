#!/usr/bin/env python3
"""Turn the JSONTestSuite peer corpus into conformance/vectors/jsontestsuite.json.

Python 3 standard library only. Run from anywhere:

    python3 conformance/scripts/gen-jsontestsuite.py

Every file of conformance/peer/JSONTestSuite/test_parsing/ (sorted by name) becomes one decode case
whose input is a single frame with the file's octets, verbatim, as its header (FORMAT.md, "Peer
corpus"):

- n_*: HEADER_INVALID_JSON (stage header). n_structure_no_data.json is empty, so its frame has
  H = 0: HEADER_LENGTH_INVALID (stage prefix, SPEC 2.3).
- y_*: valid JSON, never a valid header (no total_size; some have duplicate names), so the one
  acceptable outcome listed in expectAny is HEADER_INVALID. The script checks that claim for every
  y_ file and stops if a y_ file would be a valid header (its frame outcome would then have to be
  written by hand).
- i_*: expectAny HEADER_INVALID_JSON or HEADER_INVALID.

Ids (FORMAT.md): "jts-" plus the file name without ".json", lowercased, each run of characters
outside [a-z0-9] replaced by one "-". A "-" left at the end (n_number_++.json, for example) is
dropped, as the id pattern ^[a-z0-9]+(-[a-z0-9]+)*$ requires. Names that still collide
(n_number_1.0e+.json and n_number_1.0e-.json, for example) get "-2", "-3", ... in sorted
file-name order, the first keeping the plain id.

Files over 64 KiB (the default maxHeaderBytes, 65536) would all be HEADER_TOO_LARGE at the prefix
and never reach the JSON parser; they get options {"maxHeaderBytes": 1048576} so that their JSON is
actually parsed (SPEC 3.2: valid JSON of any depth that fits in maxHeaderBytes is accepted, and deep
input must not exhaust the stack).
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = os.path.dirname(HERE)  # conformance/
CORPUS_REL = "peer/JSONTestSuite/test_parsing"
CORPUS = os.path.join(CONF, CORPUS_REL)
OUT = os.path.join(CONF, "vectors", "jsontestsuite.json")

DEFAULT_MAX_HEADER = 65536
RAISED_MAX_HEADER = 1048576
SMALL_FILE = 64 * 1024

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def err(code, stage):
    return {"frames": [], "error": {"code": code, "stage": stage}}


HIJ = err("HEADER_INVALID_JSON", "header")
HI = err("HEADER_INVALID", "header")
HLI = err("HEADER_LENGTH_INVALID", "prefix")


def base_id(name):
    stem = name[: -len(".json")] if name.endswith(".json") else name
    return ("jts-" + re.sub(r"[^a-z0-9]+", "-", stem.lower())).rstrip("-")


def y_file_is_never_a_valid_header(name, data):
    """Check FORMAT.md's claim for one y_ file: strict UTF-8, no BOM, JSON, but not a valid header."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "is not well-formed UTF-8"
    if text.startswith("\ufeff"):
        return "starts with a BOM"

    def no_constant(c):
        raise ValueError(c)

    try:
        value = json.loads(text, parse_constant=no_constant, object_pairs_hook=list)
    except (ValueError, RecursionError) as e:
        return "does not parse as strict JSON (%s)" % e
    # object_pairs_hook=list: objects are lists of pairs, so a top-level object is a list of
    # 2-tuples; the header would need a top-level member named total_size.
    if isinstance(value, list) and value and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        if any(k == "total_size" for k, _ in value):
            return "has a top-level total_size: it might be a valid header"
    return None


def main():
    names = sorted(n for n in os.listdir(CORPUS) if n.endswith(".json"))
    if not names:
        sys.exit("no files in " + CORPUS)
    cases = []
    seen = {}
    problems = []
    for name in names:
        path = os.path.join(CORPUS, name)
        with open(path, "rb") as fh:
            data = fh.read()
        cid = base_id(name)
        if cid in seen:
            n = 2
            while "%s-%d" % (cid, n) in seen:
                n += 1
            cid = "%s-%d" % (cid, n)
        if not ID_PATTERN.match(cid):
            problems.append("%s: id %s does not match the id pattern" % (name, cid))
        seen[cid] = name

        case = {
            "id": cid,
            "spec": None,
            "description": None,
            "kind": "decode",
        }
        big = len(data) > DEFAULT_MAX_HEADER
        if big:
            case["options"] = {"maxHeaderBytes": RAISED_MAX_HEADER}
        case["input"] = [{"frame": {"headerPieces": [{"file": CORPUS_REL + "/" + name}]}}]
        case["chunkings"] = ["whole", {"size": 7}] if len(data) <= SMALL_FILE else ["whole", {"size": 4093}]
        note = " (%d octets, maxHeaderBytes raised so that the parser sees it)" % len(data) if big else ""

        if name.startswith("n_"):
            if len(data) == 0:
                case["spec"] = "2.3"
                case["description"] = ("JSONTestSuite %s as a header: empty, so H = 0, HEADER_LENGTH_INVALID"
                                       % name)
                case["expect"] = HLI
            else:
                case["spec"] = "3.2"
                case["description"] = "JSONTestSuite %s as a header%s: not JSON, HEADER_INVALID_JSON" % (name, note)
                case["expect"] = HIJ
        elif name.startswith("y_"):
            problem = y_file_is_never_a_valid_header(name, data)
            if problem:
                problems.append("%s %s" % (name, problem))
            case["spec"] = "3.3"
            case["description"] = ("JSONTestSuite %s as a header%s: JSON, but not a valid header, HEADER_INVALID"
                                   % (name, note))
            case["expectAny"] = [HI]
        elif name.startswith("i_"):
            case["spec"] = "3.2"
            case["description"] = ("JSONTestSuite %s as a header%s: HEADER_INVALID_JSON or HEADER_INVALID, "
                                   "never a crash or a hang" % (name, note))
            case["expectAny"] = [HIJ, HI]
        else:
            problems.append("%s: not an n_, y_ or i_ file" % name)
            continue
        cases.append(case)

    if len(seen) != len(names):
        problems.append("duplicate ids")
    if problems:
        sys.exit("gen-jsontestsuite.py:\n  " + "\n  ".join(problems))

    doc = {
        "description": "JSONTestSuite test_parsing files as frame headers (FORMAT.md, Peer corpus)",
        "cases": cases,
    }
    lines = ['{', '  "description": %s,' % json.dumps(doc["description"]), '  "cases": [']
    for i, c in enumerate(cases):
        lines.append("    " + json.dumps(c, ensure_ascii=True) + ("," if i < len(cases) - 1 else ""))
    lines += ["  ]", "}"]
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == doc
    with open(OUT, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    counts = {p: sum(1 for n in names if n.startswith(p)) for p in ("n_", "y_", "i_")}
    print("%s: %d cases (n_ %d, y_ %d, i_ %d)" % (os.path.relpath(OUT), len(cases), counts["n_"], counts["y_"],
                                                  counts["i_"]))


if __name__ == "__main__":
    main()
