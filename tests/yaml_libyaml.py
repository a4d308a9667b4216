#!/usr/bin/env python3
"""libyaml's reading of YAML documents, for tests/yaml_libyaml.rs.

Reads a JSON list of document texts on stdin; writes a JSON list with, for each text, either
{"docs": [...]} (one canonical value per document) or {"error": {...}} (libyaml's refusal, with the
1-based lines of its problem and context marks).

The events come from PyYAML's CParser, which is libyaml itself (`yaml.__with_libyaml__` must be
True); the values are built the way Kubernetes builds them from go-yaml (itself a port of libyaml):

- aliases expand; an anchor may be redefined (later uses see the new node), as in go-yaml;
- `<<` merge keys merge mappings (explicit keys win, then the merged mappings in order);
- a key written twice in one mapping is refused, as go-yaml refuses it: same node kind, same text
  (`"a"` and `a` are the same key, `1` and `01` are not);
- plain scalars resolve as go-yaml v2 resolves them for sigs.k8s.io/yaml: null (`~`, `null`,
  `Null`, `NULL`, empty), YAML 1.1 booleans (`yes`, `on`, `y`, ...), integers (Go's ParseInt with
  base prefixes, `_` removed); everything else, floats and timestamps included, is compared as its
  text (hostlint never reads them as numbers or times). Quoted and block scalars are strings.
  Explicit tags are not compared: hostlint reads a scalar's text whatever its tag.
"""

import json
import sys

import yaml

if not getattr(yaml, "__with_libyaml__", False):
    sys.exit("PyYAML is built without libyaml (pip install --force-reinstall --no-binary pyyaml pyyaml, with libyaml-dev)")

NULLS = {"", "~", "null", "Null", "NULL"}
TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y", "on", "On", "ON"}
FALSE = {"false", "False", "FALSE", "no", "No", "NO", "n", "N", "off", "Off", "OFF"}
I64 = 1 << 63


def go_int(text):
    """Go's strconv.ParseInt(text, 0, 64) after go-yaml removes `_`, or None."""
    s = text.replace("_", "")
    neg = s.startswith("-")
    if s[:1] in "+-":
        s = s[1:]
    if not s:
        return None
    base, digits = 10, s
    low = s[:2].lower()
    if low in ("0x", "0o", "0b"):
        base, digits = {"0x": 16, "0o": 8, "0b": 2}[low], s[2:]
    elif len(s) > 1 and s[0] == "0":
        base, digits = 8, s[1:]
    if not digits or not all(c in "0123456789abcdefABCDEF"[: base if base <= 10 else 22] for c in digits):
        return None
    v = int(digits, base)
    v = -v if neg else v
    return v if -I64 <= v < I64 else None


class Refusal(Exception):
    def __init__(self, message, line, context_line=None):
        super().__init__(message)
        self.line, self.context_line = line, context_line


def scalar(ev):
    if ev.style not in (None, ""):  # quoted, literal or folded: a string
        return ev.value
    v = ev.value
    if v in NULLS:
        return None
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    i = go_int(v) if v[:1] in "+-0123456789" else None
    return {"int": i} if i is not None else v


def key_text(k):
    return k if isinstance(k, str) else json.dumps(k, sort_keys=True, separators=(",", ":"))


def documents(events):
    """Canonical values of the documents in an event stream, read as go-yaml reads it: an alias
    to an unknown anchor is refused where it is met, a duplicate key only once its document has
    been read without a syntax error (go-yaml checks keys when it decodes the parsed document)."""
    docs, anchors, duplicates = [], {}, []
    it = iter(events)

    def node(ev):
        if isinstance(ev, yaml.AliasEvent):
            if ev.anchor not in anchors:
                raise Refusal("unknown anchor", ev.start_mark.line + 1)
            return anchors[ev.anchor]
        if isinstance(ev, yaml.ScalarEvent):
            v = (scalar(ev), ("scalar", ev.value))
        elif isinstance(ev, yaml.SequenceStartEvent):
            items = []
            for child in it:
                if isinstance(child, yaml.SequenceEndEvent):
                    break
                items.append(node(child)[0])
            v = (items, ("seq", ""))
        else:
            v = (mapping(), ("map", ""))
        if getattr(ev, "anchor", None):
            anchors[ev.anchor] = v
        return v

    def mapping():
        entries, merges, seen = {}, [], {}
        for kev in it:
            if isinstance(kev, yaml.MappingEndEvent):
                break
            raw = (
                ("scalar", kev.value)
                if isinstance(kev, yaml.ScalarEvent)
                else ("seq" if isinstance(kev, yaml.SequenceStartEvent) else "map", "")
            )
            line = kev.start_mark.line + 1
            k, kraw = node(kev)
            if isinstance(kev, yaml.AliasEvent):
                raw = kraw
            if raw in seen:
                duplicates.append(
                    Refusal(f"mapping key {raw[1]!r} already defined at line {seen[raw]}", line)
                )
            seen.setdefault(raw, line)
            v, _ = node(next(it))
            if isinstance(kev, yaml.ScalarEvent) and kev.style in (None, "") and kev.value == "<<":
                merges.extend(v if isinstance(v, list) else [v])
            else:
                entries[key_text(k)] = v
        for m in merges:
            if isinstance(m, dict):
                for k, v in m.items():
                    entries.setdefault(k, v)
        return entries

    for ev in it:
        if isinstance(ev, yaml.DocumentStartEvent):
            anchors.clear()
            docs.append(node(next(it))[0])
            end = next(it)
            assert isinstance(end, yaml.DocumentEndEvent)
            if duplicates:
                raise duplicates[0]
    return docs


def read(text):
    try:
        events = yaml.parse(text, Loader=yaml.CSafeLoader)
        next(events)  # StreamStart
        return {"docs": documents(events)}
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        cline = e.context_mark.line + 1 if e.context_mark else None
        return {"error": {"message": str(e.problem), "line": line, "context_line": cline}}
    except yaml.YAMLError as e:  # reader errors: invalid UTF-8 or control characters
        return {"error": {"message": str(e), "line": None, "context_line": None}}
    except Refusal as e:
        return {"error": {"message": str(e), "line": e.line, "context_line": e.context_line}}


def main():
    texts = json.load(sys.stdin)
    json.dump([read(t.encode("utf-8")) for t in texts], sys.stdout)


if __name__ == "__main__":
    main()
