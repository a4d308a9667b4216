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
