#!/usr/bin/env python3
"""Precision study for hostlint: a fixed, stratified sample of error/warning findings on real repositories,
joined with hand judgements (see PRECISION.md at the repository root).

Usage (Python 3 standard library only):

  # 1. Check the repositories listed in repos.txt out at their recorded commits (from `fetch` mirrors,
  #    i.e. bare git dirs at MIRRORS/<owner>+<name>/repo), outside this repository:
  bench/precision/study.py checkout --mirrors /work/.mirror --root /work/study/repos

  # 2. Run a hostlint binary over every repository (JSON, every finding kept):
  bench/precision/study.py run --bin target/release/hostlint --root /work/study/repos --out /tmp/findings.json

  # 3. Draw the sample (fixed seed) and join it with judgements.tsv; prints the per-rule table, the overall
  #    precision, every false finding, and the findings of the sample that nobody has judged yet:
  bench/precision/study.py report --findings /tmp/findings.json [--size 120] [--seed 15]
  bench/precision/study.py report --findings /tmp/findings.json --unjudged-tsv /tmp/todo.tsv

  # 4. Record a hand judgement for sampled findings (by their index in the sample):
  bench/precision/study.py judge --findings /tmp/findings.json --index 3 7 --verdict wrong --cause windows-pod \\
      --note "pod pinned to Windows by nodeSelector"

  # Recall study (issue 23): breakages found by reading AKS infrastructure files are in recall.tsv; compare
  # them with what a binary reports with --all-pools over the IaC set (repositories in iac-repos.txt):
  bench/precision/study.py --repos bench/precision/iac-repos.txt run --bin target/release/hostlint \\
      --root /work/study/iac --out /tmp/iac.json -- --all-pools
  bench/precision/study.py recall --findings /tmp/iac.json

  # 5. Show the manifest text around one sampled finding, to judge it (reads the checkout, never copies it):
  bench/precision/study.py show --findings /tmp/findings.json --root /work/study/repos --index 17

Sampling.  Only findings at severity error or warning are sampled, one per key (findings at the same
repo/path/line/column/rule count once); `run` leaves out vendor/ and node_modules/ trees.  The strata are the rules: every rule
first gets min(its count, --min-per-rule) places, the rest of --size is shared in proportion to the
rules' remaining counts (largest remainder).  Inside a rule the findings are ranked by a keyed hash
sha256(seed | repo | path | line | column | rule) and taken round-robin over repositories (each
repository's best-ranked finding first, repositories in order of their best rank), so one chatty
repository cannot fill a rule's quota.  Because the rank of a finding depends only on its key and the
seed, a later binary that still reports a finding keeps it in the sample whenever its rule's quota
allows, and its judgement (keyed by repo/path/line/column/rule) is reused; a judgement whose recorded
severity differs from the new finding's is listed for re-judging.

Judgements are in judgements.tsv (tab-separated, header line): repo, path, line, column, rule, severity,
verdict (right|wrong), cause (a short tag for wrong ones), note.  Only judgements and locations are
committed, never the manifests' text.
"""
import argparse
import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# Vendored trees are copies of other repositories (k8s.io/kubernetes test manifests appear in five of the
# CSI drivers); they would count one file several times.
EXCLUDE = ("**/vendor/**", "**/node_modules/**")
KEY_FIELDS = ("repo", "path", "line", "column", "rule")
JUDGE_FIELDS = KEY_FIELDS + ("severity", "verdict", "cause", "note", "message")


def read_repos(path):
    repos = []
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            name, commit = line.split()[:2]
            repos.append((name, commit))
    return repos


def cmd_checkout(a):
    """Extract every blob present in the mirror at the recorded commit (mirrors may lack large files)."""
    for name, commit in read_repos(a.repos):
        git_dir = os.path.join(a.mirrors, name, "repo")
        dest = os.path.join(a.root, name)
        stamp = os.path.join(dest, ".study-commit")
        if os.path.exists(stamp) and open(stamp).read().strip() == commit:
            continue
        ls = subprocess.run(["git", "--git-dir=" + git_dir, "ls-tree", "-r", "-z", commit],
                            capture_output=True, check=True).stdout
        cat = subprocess.Popen(["git", "--git-dir=" + git_dir, "cat-file", "--batch"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        n = 0
        for ent in ls.split(b"\0"):
            if not ent:
                continue
            meta, path = ent.split(b"\t", 1)
            mode, typ, sha = meta.split()
            if typ != b"blob" or mode == b"120000":
                continue
            cat.stdin.write(sha + b"\n")
            cat.stdin.flush()
            hdr = cat.stdout.readline().split()
            if len(hdr) < 3 or hdr[1] == b"missing":
                continue
            data = cat.stdout.read(int(hdr[2]))
            cat.stdout.read(1)
            out = os.path.join(dest, path.decode("utf-8", "surrogateescape"))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(data)
            n += 1
        cat.stdin.close()
        cat.wait()
        with open(stamp, "w") as f:
            f.write(commit + "\n")
        print(f"{name} {commit[:12]} {n} files", file=sys.stderr)


def cmd_run(a):
    binary = os.path.abspath(a.bin)
    rev = ""
    try:
        rev = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError as e:
        sys.exit(f"cannot run {binary}: {e}")
    out = {"binary": binary, "version": rev, "args": a.extra, "repos": {}, "findings": [], "errors": []}
    # An empty working directory: no .hostlint.yaml is picked up from the current directory's parents.
    with tempfile.TemporaryDirectory() as cwd:
        for name, commit in read_repos(a.repos):
            root = os.path.join(os.path.abspath(a.root), name)
            if not os.path.isdir(root):
                sys.exit(f"{root}: missing; run `checkout` first")
            excl = [x for g in EXCLUDE for x in ("--exclude", g)]
            p = subprocess.run([binary, "check", "--format", "json", "--fail-on", "none", *excl, *a.extra, root],
                               capture_output=True, cwd=cwd)
            if p.returncode not in (0, 1, 2):
                sys.exit(f"{name}: hostlint exited {p.returncode}: {p.stderr.decode(errors='replace')[:2000]}")
            doc = json.loads(p.stdout)
            prefix = root + os.sep
            rel = lambda f: f[len(prefix):] if f.startswith(prefix) else f
            for f in doc.get("findings", []):
                f["repo"] = name
                f["file"] = rel(f["file"])
                out["findings"].append(f)
            for e in doc.get("errors", []):
                e["repo"] = name
                e["file"] = rel(e.get("file") or "")
                out["errors"].append(e)
            out["repos"][name] = {"commit": commit, "summary": doc.get("summary"), "exit": p.returncode}
            print(f"{name}: {len(doc.get('findings', []))} findings, {len(doc.get('errors', []))} input errors",
                  file=sys.stderr)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)


def key_of(f):
    return (f["repo"], f["file"], str(f["line"]), str(f["column"]), f["rule"])


def rank(seed, key):
    return hashlib.sha256(("%d|" % seed + "|".join(key)).encode()).hexdigest()


def draw(findings, size, seed, min_per_rule):
    # One entry per key: two containers sharing a volume give two findings at the same position.
    seen = set()
    pool = []
    for f in findings:
        if f["severity"] in ("error", "warning") and key_of(f) not in seen:
            seen.add(key_of(f))
            pool.append(f)
    by_rule = collections.defaultdict(list)
    for f in pool:
        by_rule[f["rule"]].append(f)
    quota = {r: min(len(v), min_per_rule) for r, v in by_rule.items()}
    rest = size - sum(quota.values())
    left = {r: len(v) - quota[r] for r, v in by_rule.items()}
    total_left = sum(left.values())
    if rest > 0 and total_left > 0:
        shares = {r: rest * n / total_left for r, n in left.items()}
        extra = {r: min(left[r], int(s)) for r, s in shares.items()}
        spare = rest - sum(extra.values())
        for r in sorted(shares, key=lambda r: (-(shares[r] - int(shares[r])), r)):
            if spare <= 0:
                break
            if extra[r] < left[r]:
                extra[r] += 1
                spare -= 1
        for r in quota:
            quota[r] += extra[r]
    sample = []
    for r in sorted(by_rule):
        per_repo = collections.defaultdict(list)
        for f in by_rule[r]:
            per_repo[f["repo"]].append((rank(seed, key_of(f)), f))
        queues = [sorted(v, key=lambda t: t[0]) for v in per_repo.values()]
        queues.sort(key=lambda q: q[0][0])
        taken = 0
        depth = 0
        while taken < quota[r]:
            progressed = False
            for q in queues:
                if depth < len(q) and taken < quota[r]:
                    sample.append(q[depth][1])
                    taken += 1
                    progressed = True
            if not progressed:
                break
            depth += 1
    return pool, by_rule, sample


def read_judgements(path):
    j = {}
    if not os.path.exists(path):
        return j
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        for raw in f:
            if not raw.strip():
                continue
            row = dict(zip(header, raw.rstrip("\n").split("\t")))
            row.setdefault("message", "")
            j[tuple(row[k] for k in KEY_FIELDS)] = row
    return j


def load(a):
    with open(a.findings) as f:
        doc = json.load(f)
    pool, by_rule, sample = draw(doc["findings"], a.size, a.seed, a.min_per_rule)
    return doc, pool, by_rule, sample


def cmd_report(a):
    doc, pool, by_rule, sample = load(a)
    judg = read_judgements(a.judgements)
    repos = sorted({f["repo"] for f in pool})
    print(f"binary: {doc.get('version')} ({doc.get('binary')})")
    print(f"repositories scanned: {len(doc['repos'])}; findings: {len(doc['findings'])} "
          f"(error/warning: {len(pool)}, in {len(repos)} repositories); input errors: {len(doc['errors'])}")
    print(f"sample: {len(sample)} findings, seed {a.seed}, min per rule {a.min_per_rule}, "
          f"from {len({f['repo'] for f in sample})} repositories\n")
    stats = collections.OrderedDict()
    unjudged, stale, wrong, reworded = [], [], [], []
    for i, f in enumerate(sample):
        k = key_of(f)
        s = stats.setdefault(f["rule"], {"n": 0, "right": 0, "wrong": 0, "open": 0})
        s["n"] += 1
        row = judg.get(k)
        if row is None:
            s["open"] += 1
            unjudged.append((i, f))
        elif row["severity"] != f["severity"]:
            s["open"] += 1
            stale.append((i, f, row))
        elif row["verdict"] == "right":
            s["right"] += 1
            if row["message"] and row["message"] != clean(f["message"]):
                reworded.append((i, f, row))
        else:
            s["wrong"] += 1
            wrong.append((i, f, row))
            if row["message"] and row["message"] != clean(f["message"]):
                reworded.append((i, f, row))
    print("| rule | findings (error/warning) | severity | sampled | right | wrong | unjudged | precision |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    tot = {"n": 0, "right": 0, "wrong": 0, "open": 0}
    weighted_num = weighted_den = 0.0
    for r in sorted(stats, key=lambda r: -len(by_rule[r])):
        s = stats[r]
        sev = "/".join(sorted({f["severity"] for f in by_rule[r]}))
        judged = s["right"] + s["wrong"]
        prec = f"{100 * s['right'] / judged:.0f} %" if judged else "–"
        print(f"| {r} | {len(by_rule[r])} | {sev} | {s['n']} | {s['right']} | {s['wrong']} | {s['open']} | {prec} |")
        for x in tot:
            tot[x] += s[x]
        if judged:
            weighted_num += len(by_rule[r]) * s["right"] / judged
            weighted_den += len(by_rule[r])
    judged = tot["right"] + tot["wrong"]
    prec = f"{100 * tot['right'] / judged:.1f} %" if judged else "–"
    print(f"| **all** | {len(pool)} | | {tot['n']} | {tot['right']} | {tot['wrong']} | {tot['open']} | **{prec}** |")
    if weighted_den:
        print(f"\nvolume-weighted precision (each rule's sample precision weighted by its finding count): "
              f"{100 * weighted_num / weighted_den:.1f} %")
    if wrong:
        print("\nfalse findings:")
        for i, f, row in wrong:
            print(f"- #{i} {f['repo']}:{f['file']}:{f['line']}:{f['column']} {f['rule']} ({f['severity']}): "
                  f"{row['cause']} — {row['note']}")
    if stale:
        print("\nseverity changed since judged (re-judge):")
        for i, f, row in stale:
            print(f"- #{i} {f['repo']}:{f['file']}:{f['line']}:{f['column']} {f['rule']} "
                  f"now {f['severity']}, judged at {row['severity']}")
    if reworded:
        print(f"\nmessage changed since judged (judgement counted; check it still holds) ({len(reworded)}):")
        for i, f, row in reworded:
            print(f"- #{i} {f['repo']}:{f['file']}:{f['line']}:{f['column']} {f['rule']}: now `{clean(f['message'])}`; "
                  f"judged `{row['message']}` as {row['verdict']}")
    if unjudged:
        print(f"\nunjudged ({len(unjudged)}):")
        for i, f in unjudged:
            print(f"- #{i} {f['repo']}:{f['file']}:{f['line']}:{f['column']} {f['rule']} ({f['severity']})")
    if a.reference:
        # Recall kept: findings of the reference run (an older binary) judged right, that this run no longer
        # reports at error or warning under the same key (a finding that only moved shows with its new place).
        with open(a.reference) as f:
            ref = json.load(f)
        now = {key_of(f): f["severity"] for f in doc["findings"]}
        by_file = collections.defaultdict(set)
        for f in doc["findings"]:
            if f["severity"] in ("error", "warning"):
                by_file[(f["repo"], f["file"], f["rule"])].add(f["line"])
        lost = []
        seen = set()
        for f in ref["findings"]:
            k = key_of(f)
            row = judg.get(k)
            if k in seen or row is None or row["verdict"] != "right" or f["severity"] not in ("error", "warning"):
                continue
            seen.add(k)
            if now.get(k) not in ("error", "warning"):
                lost.append((f, now.get(k), sorted(by_file.get((f["repo"], f["file"], f["rule"]), ()))))
        print(f"\njudged right in the reference run, no longer error/warning here ({len(lost)}):")
        for f, sev, lines in lost:
            print(f"- {f['repo']}:{f['file']}:{f['line']}:{f['column']} {f['rule']} was {f['severity']}, now {sev or 'not reported'}"
                  + (f"; still error/warning in this file at lines {lines}" if lines else ""))
    if a.unjudged_tsv:
        with open(a.unjudged_tsv, "w") as out:
            out.write("\t".join(JUDGE_FIELDS) + "\n")
            for i, f in unjudged + [(i, f) for i, f, _ in stale]:
                out.write("\t".join(list(key_of(f)) + [f["severity"], "", "", ""]) + "\n")


def cmd_show(a):
    doc, pool, by_rule, sample = load(a)
    idx = range(len(sample)) if a.index is None else [a.index]
    for i in idx:
        f = sample[i]
        print(f"=== #{i} {f['repo']}:{f['file']}:{f['line']}:{f['column']} {f['rule']} ({f['severity']})")
        print(f"    {f['message']}")
        for extra in ("container", "helm_source"):
            if f.get(extra):
                print(f"    {extra}: {f[extra]}")
        path = os.path.join(a.root, f["repo"], f["file"])
        try:
            lines = open(path, errors="replace").read().split("\n")
        except OSError as e:
            print(f"    ({e})")
            continue
        lo, hi = max(0, f["line"] - 1 - a.before), min(len(lines), f["line"] + a.after)
        for n in range(lo, hi):
            mark = ">" if n + 1 == f["line"] else " "
            print(f"{mark}{n + 1:5} {lines[n]}")


# Rules about clusters and node pools (the recall study's subject); the workload rules are the precision study's.
POOL_RULES = {
    "flatcar-os-sku", "os-sku-pinned", "kubernetes-version-unsupported", "trusted-launch-disabled", "gen1-vm-size",
    "vm-size-without-trusted-launch", "confidential-vm-size", "arm64-vm-size-not-cobalt", "arm64-gpu-vm-size",
    "non-nvidia-gpu-vm-size", "node-os-upgrade-channel", "artifact-streaming", "pod-sandboxing-node-pool",
    "entra-id-ssh", "selinux-permissive-tag", "obsolete-flatcar-preview-flag", "osguard-retirement",
}


def cmd_recall(a):
    """Join the breakages found by reading (recall.tsv) with what a run over the IaC set reported."""
    with open(a.findings) as f:
        doc = json.load(f)
    found = {}
    for f in doc["findings"]:
        if f["severity"] in ("error", "warning"):
            found.setdefault((f["repo"], f["rule"]), set()).add((f["file"], f["line"]))
    rows = []
    with open(a.recall) as f:
        header = f.readline().rstrip("\n").split("\t")
        for raw in f:
            if raw.strip():
                rows.append(dict(zip(header, raw.rstrip("\n").split("\t"))))
    matched = set()
    by = collections.OrderedDict()
    missed = []
    for r in rows:
        locs = set()
        for loc in r["locations"].split(";"):
            path, line = loc.rsplit(":", 1)
            locs.add((path, int(line)))
        hit = locs & found.get((r["repo"], r["rule"]), set())
        matched |= {(r["repo"], r["rule"]) + x for x in hit}
        s = by.setdefault((r["construct"], r["in_spec"]), [0, 0])
        s[0] += 1
        s[1] += bool(hit)
        if not hit:
            missed.append(r)
    tot = [sum(v[0] for v in by.values()), sum(v[1] for v in by.values())]
    spec = [sum(v[0] for k, v in by.items() if k[1] == "y"), sum(v[1] for k, v in by.items() if k[1] == "y")]
    print(f"binary: {doc.get('version')} ({doc.get('binary')}) args {doc.get('args')}")
    print(f"breakages found by reading: {tot[0]} in {len({(r['repo'], r['locations'].split(':')[0]) for r in rows})} files; "
          f"reported: {tot[1]} ({100 * tot[1] / max(tot[0], 1):.0f} %); in what SPEC says is read: {spec[1]}/{spec[0]} "
          f"({100 * spec[1] / max(spec[0], 1):.0f} %)\n")
    print("| construct | in SPEC | found by reading | reported | recall |")
    print("|---|---|---:|---:|---:|")
    for (c, sp), (n, k) in sorted(by.items(), key=lambda kv: -kv[1][0]):
        print(f"| {c} | {sp} | {n} | {k} | {100 * k / n:.0f} % |")
    print("\nmissed:")
    for r in missed:
        print(f"- {r['repo']}:{r['locations'].split(';')[0]} {r['rule']} `{r['value']}` ({r['construct']}, in SPEC: {r['in_spec']})")
    # Precision of the cluster/pool rules on the same run: a reported finding is right when it is one of the
    # breakages found by reading, else by the hand judgement in recall-extra.tsv (repo, path, line, rule, verdict, note).
    extra_j = {}
    if os.path.exists(a.extra):
        with open(a.extra) as f:
            f.readline()
            for raw in f:
                if raw.strip():
                    repo, path, line, rule, verdict, note = (raw.rstrip("\n").split("\t") + [""] * 6)[:6]
                    extra_j[(repo, path, int(line), rule)] = (verdict, note)
    pool_findings = [f for f in doc["findings"] if f["severity"] in ("error", "warning") and f["rule"] in POOL_RULES]
    right = wrong = 0
    unjudged = []
    wrong_list = []
    for f in pool_findings:
        if (f["repo"], f["rule"], f["file"], f["line"]) in matched:
            right += 1
            continue
        j = extra_j.get((f["repo"], f["file"], f["line"], f["rule"]))
        if j is None:
            unjudged.append(f)
        elif j[0] == "right":
            right += 1
        else:
            wrong += 1
            wrong_list.append((f, j[1]))
    print(f"\nprecision of the cluster/pool rules' error/warning findings: {right} right, {wrong} wrong, "
          f"{len(unjudged)} unjudged ({100 * right / max(right + wrong, 1):.1f} % of judged)")
    for f, note in wrong_list:
        print(f"- wrong: {f['repo']}:{f['file']}:{f['line']}:{f['column']} {f['rule']}: {note}")
    for f in unjudged:
        print(f"- unjudged: {f['repo']}\t{f['file']}\t{f['line']}\t{f['rule']}\t({f['severity']}) {f['message'][:120]}")


def clean(text):
    return text.replace("\t", " ").replace("\n", " ")


def cmd_judge(a):
    """Record a judgement for sampled findings (by sample index), replacing an older one with the same key."""
    doc, pool, by_rule, sample = load(a)
    judg = read_judgements(a.judgements)
    if a.verdict not in ("right", "wrong"):
        sys.exit("verdict must be right or wrong")
    for i in a.index:
        f = sample[i]
        row = dict(zip(KEY_FIELDS, key_of(f)))
        row.update(severity=f["severity"], verdict=a.verdict, cause=a.cause if a.verdict == "wrong" else "",
                   note=clean(a.note), message=clean(f["message"]))
        judg[key_of(f)] = row
    with open(a.judgements, "w") as out:
        out.write("\t".join(JUDGE_FIELDS) + "\n")
        for k in sorted(judg):
            out.write("\t".join(judg[k].get(x, "") for x in JUDGE_FIELDS) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repos", default=os.path.join(HERE, "repos.txt"), help="repository list (owner+name commit)")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("checkout")
    c.add_argument("--mirrors", required=True)
    c.add_argument("--root", required=True)
    c.set_defaults(fn=cmd_checkout)
    r = sub.add_parser("run")
    r.add_argument("--bin", required=True)
    r.add_argument("--root", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("extra", nargs="*", help="more hostlint arguments (after --)")
    r.set_defaults(fn=cmd_run)
    rc = sub.add_parser("recall")
    rc.add_argument("--findings", required=True)
    rc.add_argument("--recall", default=os.path.join(HERE, "recall.tsv"))
    rc.add_argument("--extra", default=os.path.join(HERE, "recall-extra.tsv"))
    rc.set_defaults(fn=cmd_recall)
    for name, fn in (("report", cmd_report), ("show", cmd_show), ("judge", cmd_judge)):
        s = sub.add_parser(name)
        s.add_argument("--findings", required=True)
        s.add_argument("--size", type=int, default=120)
        s.add_argument("--seed", type=int, default=15)
        s.add_argument("--min-per-rule", type=int, default=8)
        s.add_argument("--judgements", default=os.path.join(HERE, "judgements.tsv"))
        s.set_defaults(fn=fn)
    sub.choices["report"].add_argument("--unjudged-tsv")
    sub.choices["report"].add_argument("--reference", help="findings of an older binary: list its right findings lost")
    sub.choices["judge"].add_argument("--index", type=int, nargs="+", required=True)
    sub.choices["judge"].add_argument("--verdict", required=True)
    sub.choices["judge"].add_argument("--cause", default="")
    sub.choices["judge"].add_argument("--note", default="")
    sub.choices["show"].add_argument("--root", required=True)
    sub.choices["show"].add_argument("--index", type=int)
    sub.choices["show"].add_argument("--before", type=int, default=25)
    sub.choices["show"].add_argument("--after", type=int, default=12)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
