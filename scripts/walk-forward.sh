#!/usr/bin/env bash
# A walk-forward evaluation: several folds cut from one set of bar files, each fold's policies trained
# on its own earlier days only, their test days pooled into one day-level comparison.
#
#   scripts/walk-forward.sh BARS OUT "LAST_DAY ..." [reproduce flags...]
#
# BARS      the bar files (as for `execlab data import`; the 2025 15-minute A-share layout is assumed:
#           the import flags below)
# OUT       output root: OUT/data/fold-LAST_DAY (datasets), OUT/fold-LAST_DAY (reproductions),
#           OUT/bt-LAST_DAY (test-split backtests), OUT/compare.md (the pooled comparison)
# LAST_DAY  each fold's last trading day, YYYY-MM-DD; "end" for the whole set. Each fold has the last
#           TEST_DAYS (default 60) of its days as test and the VALIDATION_DAYS (default 40) before as
#           validation; give last days TEST_DAYS trading days apart so that the test windows tile.
# the rest  flags for `execlab reproduce` (the methods, settings and seeds of every fold).
#
# Every fold backtests (on orders of the reproductions' --side) TWAP, VWAP, AC, the fitted static schedule, the forecast planner (with the
# --peer-groups of the reproduce flags, if any) and every
# policy its reproduction trained (the seeds of each method) on its test split; `execlab compare`
# then takes the folds as one (docs/RESULTS.md section 5, "Walk-forward").
set -euo pipefail
if [ "$#" -lt 3 ]; then
  sed -n '2,/^set -e/{/^set -e/!p}' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
bars="$1"
out="$2"
read -r -a folds <<<"$3"
shift 3
execlab=(node "$(dirname "$0")/../bin/execlab.js")
validation_days="${VALIDATION_DAYS:-40}"
test_days="${TEST_DAYS:-60}"
# The forecast planner of the backtests tries the peer groups the reproductions were given, and the
# backtests' orders have the side the reproductions' orders had.
peer_groups=()
side=()
args=("$@")
for ((k = 0; k < ${#args[@]}; k++)); do
  if [ "${args[k]}" = --peer-groups ] && [ $((k + 1)) -lt ${#args[@]} ]; then peer_groups=(--peer-groups "${args[k + 1]}"); fi
  if [ "${args[k]}" = --side ] && [ $((k + 1)) -lt ${#args[@]} ]; then side=(--side "${args[k + 1]}"); fi
done
backtests=()
methods=()
for last in "${folds[@]}"; do
  name="fold-$last"
  cut=()
  [ "$last" = end ] || cut=(--last-day "$last")
  echo "== $name: import ($(date -u +%T))"
  "${execlab[@]}" data import "$bars" --columns code=symbol,time=datetime,turnover=amount --volume-unit 1 \
    --validation-days "$validation_days" --test-days "$test_days" "${cut[@]}" --out "$out/data/$name" --quiet
  echo "== $name: reproduce ($(date -u +%T))"
  "${execlab[@]}" reproduce --data "$out/data/$name" --out "$out/$name" "$@"
  policies=$(find "$out/$name/cache" -mindepth 2 -maxdepth 2 -name policy.json | sort | paste -sd, -)
  echo "== $name: backtest ($(date -u +%T))"
  "${execlab[@]}" backtest --data "$out/data/$name" --split test --out "$out/bt-$last" "${peer_groups[@]}" "${side[@]}" \
    --strategy "twap,vwap,ac,static,forecast${policies:+,$policies}"
  backtests+=("$out/bt-$last")
done
# Every learned method against every rule on the pooled days.
for p in $(find "$out/fold-${folds[0]}/cache" -mindepth 2 -maxdepth 2 -name policy.json | xargs -n1 dirname | xargs -n1 basename | sed 's/-s[0-9]*-.*//' | sort -u); do
  for rule in VWAP AC STATIC FORECAST; do methods+=("$p:$rule"); done
done
pairs=$(IFS=,; echo "${methods[*]:-}")
"${execlab[@]}" compare --backtest "$(IFS=,; echo "${backtests[*]}")" ${pairs:+--pairs "$pairs"} | tee "$out/compare.md"
