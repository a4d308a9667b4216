#!/usr/bin/env bash
# Runs the fuzz targets in turn until a deadline, LANES at a time (default 2) at nice 19, each run
# capped by -max_total_time, and logs every run's final execution count so that totals per target
# can be summed. The next run goes to the target that has had the least fuzzing time among those
# still under GOAL executions (default 10 million) and not running in another lane, so every
# target gets its share and the fast ones leave the rotation once they reach the goal.
#
#   fuzz/rotate.sh DEADLINE LOGDIR [SECONDS_PER_RUN] [TARGET...]
#
# DEADLINE is anything `date -d` reads ("20:48 UTC"); no run is started that would end after it.
# LOGDIR gets one log per run (<target>-<n>.log, libFuzzer's own output) and tally.tsv: one line
# per finished run, `target  executions  seconds  exit-code  command`. A crash or timeout leaves its
# input in fuzz/artifacts/<target>/ and a non-zero exit code in the tally.
# Environment: LANES, GOAL, FUZZ_FLAGS (cargo fuzz flags; default `-s none -a`, see README.md).
set -uo pipefail
cd "$(dirname "$0")"

deadline=$(date -d "$1" +%s) || exit 2
logdir=$2
secs=${3:-600}
shift $(($# < 3 ? $# : 3))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi
lanes=${LANES:-2}
goal=${GOAL:-10000000}
flags=${FUZZ_FLAGS:--s none -a}
mkdir -p "$logdir"
tally=$logdir/tally.tsv
touch "$tally"
lock=$logdir/.lock

# -max_len per target: the largest input the target's budgets are about (see README.md).
max_len() {
    case $1 in
        lint_arm) echo 2048 ;;
        review) echo 16384 ;;
        *) echo 8192 ;;
    esac
}

# Prints the target to run next and marks it running, or nothing when every target is at the goal.
pick() {
    (
        flock 9
        local running
        running=$(cat "$logdir"/.running-* 2>/dev/null | tr '\n' ' ')
        local best="" best_time=""
        for t in "${targets[@]}"; do
            case " $running " in *" $t "*) continue ;; esac
            read -r execs time < <(awk -v t="$t" '$1 == t { e += $2; s += $3 } END { print e + 0, s + 0 }' "$tally")
            [ "$execs" -ge "$goal" ] && continue
            if [ -z "$best" ] || [ "$time" -lt "$best_time" ]; then
                best=$t best_time=$time
            fi
        done
        [ -n "$best" ] && echo "$best" >"$logdir/.running-$1"
        echo "$best"
    ) 9>"$lock"
}

lane() {
    local id=$1
    while true; do
        local now left run
        now=$(date +%s)
        left=$((deadline - now))
        # A run also spends some seconds starting and merging; leave them before the deadline.
        run=$((left - 20 < secs ? left - 20 : secs))
        [ "$run" -lt 30 ] && break
        local t
        t=$(pick "$id")
        [ -z "$t" ] && break
        local n log cmd started
        n=$(ls "$logdir" | grep -c "^$t-[0-9]*\.log$")
        log=$logdir/$t-$((n + 1)).log
        cmd="RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz run $flags $t corpus/$t -- -max_total_time=$run -max_len=$(max_len "$t") -timeout=60 -rss_limit_mb=2048 -print_final_stats=1"
        started=$(date +%s)
        mkdir -p "corpus/$t"
        # shellcheck disable=SC2086
        RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz run $flags "$t" "corpus/$t" -- \
            -max_total_time="$run" -max_len="$(max_len "$t")" -timeout=60 -rss_limit_mb=2048 \
            -print_final_stats=1 >"$log" 2>&1
        local rc=$?
        local execs
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        if [ -z "$execs" ]; then
            # Killed before its final stats: the last status line's count.
            execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
        fi
        (
            flock 9
            printf '%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-0}" "$(($(date +%s) - started))" "$rc" "$cmd" >>"$tally"
            rm -f "$logdir/.running-$id"
        ) 9>"$lock"
    done
}

for i in $(seq 1 "$lanes"); do
    lane "$i" &
    sleep 5
done
wait
awk -F'\t' '{ e[$1] += $2; s[$1] += $3; if ($4 != 0) bad[$1]++ } END { for (t in e) printf "%-16s %12d execs %7d s %d failed runs\n", t, e[t], s[t], bad[t] }' "$tally" | sort
