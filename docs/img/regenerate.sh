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
#   bash docs/img/regenerate.sh [experiments] [calibration]     (default: both)
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

# Copies DIR/NAME.svg and DIR/NAME.png to docs/img/SUB/TARGET.svg and .png.
keep() {
    local dir=$1 name=$2 sub=$3 target=$4
    for ext in svg png; do
        cp "$dir/$name.$ext" "$img/$sub/$target.$ext"
    done
    echo "$img/$sub/$target.svg <- $dir/$name.svg" >&2
}

experiments() {
    local d
    d=$(run "$work/compare" compare --designs scenarios/designs/designs.toml --replicates 200)
    keep "$d" differences experiments compare-differences
    d=$(run "$work/sweep" sweep scenarios/sensitivity.toml --replicates 20)
    keep "$d" main_effects experiments sweep-main-effects
    d=$(run "$work/morris" sensitivity scenarios/sensitivity.toml --method morris)
    keep "$d" indices experiments morris
    d=$(run "$work/sobol" sensitivity scenarios/sensitivity.toml --method sobol)
    keep "$d" indices experiments sobol
    d=$(run "$work/q1" hypotheses scenarios/wecare-measure1.toml --only q1 --replicates 100)
    keep "$d" q1_dose_response experiments q1-dose-response
    keep "$d" q1_territories experiments q1-territories
    d=$(run "$work/q2" hypotheses scenarios/wecare-measure1.toml --only q2,mechanisms --replicates 200)
    keep "$d" q2_differences experiments q2-differences
    keep "$d" mechanisms experiments mechanisms
    d=$(run "$work/q3" hypotheses scenarios/wecare-measure1.toml --only q3 --replicates 400)
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
    experiments | calibration) "$p" ;;
    *)
        echo "unknown part: $p (experiments, calibration)" >&2
        exit 2
        ;;
    esac
done
echo "results in $work" >&2
