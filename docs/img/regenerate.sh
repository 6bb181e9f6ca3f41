#!/usr/bin/env bash
# Regenerates the figures of docs/experiments.md and docs/calibration.md (docs/img/experiments/
# and docs/img/calibration/) from the default scenario, with the replicate counts stated beside
# each figure in the docs. The screenshots docs/img/report.png and docs/img/compare.png come
# from the browser test instead:
#
#   WECARE_SCREENSHOTS=docs/img cargo test --release --test report_html -- --ignored
#
# Usage, from the repository's root, after `cargo build --release`:
#
#   bash docs/img/regenerate.sh [PART...]     (default: experiments calibration)
#
# PART: experiments (all of compare sweep morris sobol q1 q2 q3), one of those, or calibration.
# Times on the shared 2-core machine under load: compare 10 s, sweep 3 s, morris 40 s, sobol
# 11 min, q1 and q2 20 s each, q3 10 min, calibration 3 min.
#
# WECARE (default target/release/wecare) names the binary; WORK (default a new temporary
# directory) the results root, kept for the tables behind the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
wecare=${WECARE:-target/release/wecare}
work=${WORK:-$(mktemp -d)}
img=docs/img
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(experiments calibration)

# Runs `wecare ARGS... --out ROOT` and prints the experiment's directory (the newest under ROOT).
run() {
    local root=$1
    shift
    "$wecare" "$@" --quiet --out "$root" >&2
    find "$root" -name manifest.json -printf '%T@ %h\n' | sort -n | tail -1 | cut -d' ' -f2-
}

# Copies DIR/NAME.svg to docs/img/SUB/TARGET.svg (the docs show the SVG; its PNG stays in DIR).
keep() {
    local dir=$1 name=$2 sub=$3 target=$4
    cp "$dir/$name.svg" "$img/$sub/$target.svg"
    echo "$img/$sub/$target.svg <- $dir/$name.svg" >&2
}

compare() {
    local d
    d=$(run "$work/compare" compare --designs scenarios/designs/designs.toml --replicates 200)
    keep "$d" differences experiments compare-differences
}

sweep() {
    local d
    d=$(run "$work/sweep" sweep scenarios/sensitivity.toml --replicates 20)
    keep "$d" main_effects experiments sweep-main-effects
}

morris() {
    local d
    d=$(run "$work/morris" sensitivity scenarios/sensitivity.toml --method morris)
    keep "$d" indices experiments morris
}

sobol() {
    local d
    d=$(run "$work/sobol" sensitivity scenarios/sensitivity.toml --method sobol)
    keep "$d" indices experiments sobol
}

q1() {
    local d
    d=$(run "$work/q1" hypotheses scenarios/wecare-measure1.toml --only q1 --replicates 100)
    keep "$d" q1_dose_response experiments q1-dose-response
    keep "$d" q1_territories experiments q1-territories
}

q2() {
    local d
    d=$(run "$work/q2" hypotheses scenarios/wecare-measure1.toml --only q2,mechanisms --replicates 200)
    keep "$d" q2_differences experiments q2-differences
    keep "$d" mechanisms experiments mechanisms
}

q3() {
    local d
    d=$(run "$work/q3" hypotheses scenarios/wecare-measure1.toml --only q3 --replicates 1000)
    keep "$d" q3_traces experiments q3-traces
}

calibration() {
    local d
    mkdir -p "$img/calibration"
    d=$(run "$work/calibrate" calibrate scenarios/wecare-measure1.toml)
    keep "$d" marginals calibration wecare-measure1-marginals
}

for p in "${parts[@]}"; do
    case $p in
    experiments) compare && sweep && morris && sobol && q1 && q2 && q3 ;;
    compare | sweep | morris | sobol | q1 | q2 | q3 | calibration) "$p" ;;
    *)
        echo "unknown part: $p (experiments, calibration, or one of compare sweep morris sobol q1 q2 q3)" >&2
        exit 2
        ;;
    esac
done
echo "results in $work" >&2
