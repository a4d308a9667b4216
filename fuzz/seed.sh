#!/usr/bin/env bash
# Seeds corpus/<target>/ for every fuzz target from the repository's own inputs, one seed per file,
# named after its path so that the many fixtures/<rule>/fail.yaml and pass.yaml do not overwrite each
# other. Existing seeds (and what the fuzzer added) are kept. Prints how many seeds each target has.
set -euo pipefail
cd "$(dirname "$0")"
repo=..

seed() { # seed TARGET EXTENSION...
    local target=$1; shift
    mkdir -p "corpus/$target"
    for ext in "$@"; do
        while IFS= read -r -d '' f; do
            rel=${f#"$repo"/}
            cp "$f" "corpus/$target/${rel//\//_}"
        done < <(find -L "$repo/fixtures" "$repo/examples" "$repo/tests/data" "$repo/deploy" -type f -name "*.$ext" -print0 2>/dev/null)
    done
    printf '%-16s %5d seeds\n' "$target" "$(find "corpus/$target" -type f | wc -l)"
}

seed lint_yaml yaml yml
seed yaml_paths yaml yml
seed lint_json json
seed review json
seed lint_bicep bicep bicepparam
seed lint_terraform tf tfvars
seed lint_shell sh bash azcli
seed lint_markdown md

# `review` also gets every single-document YAML object of the repository wrapped in an AdmissionReview
# (as the API server sends it), so that it starts from bodies that reach the rules. Needs PyYAML.
if python3 -c 'import yaml' 2>/dev/null; then
    find -L "$repo/fixtures" "$repo/examples" "$repo/tests/data" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 |
        python3 -c '
import json, os, sys, yaml
n = 0
for path in sys.stdin.buffer.read().split(b"\0"):
    if not path:
        continue
    try:
        docs = [d for d in yaml.safe_load_all(open(path, "rb")) if d is not None]
    except Exception:
        continue
    if len(docs) != 1 or not isinstance(docs[0], dict) or "kind" not in docs[0]:
        continue
    body = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "operation": "CREATE", "object": docs[0]}}
    name = "admission_" + os.path.relpath(path.decode(), sys.argv[1]).replace("/", "_") + ".json"
    with open(os.path.join("corpus/review", name), "w") as f:
        json.dump(body, f, indent=1, default=str)
    n += 1
' "$repo"
    printf '%-16s %5d seeds (with AdmissionReviews)\n' review "$(find corpus/review -type f | wc -l)"
fi
