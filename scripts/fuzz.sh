#!/usr/bin/env bash
# Fuzzes the Rust core with cargo-fuzz (libFuzzer, AddressSanitizer), on the
# constant-time soft AES that ships in the .wasm.
#
#   scripts/fuzz.sh short [seconds]        each target for 30 s (or [seconds]); make test
#   scripts/fuzz.sh long  [seconds] [target...]
#                                          each target for 1800 s (or [seconds]);
#                                          run it niced: nice -n 19 scripts/fuzz.sh long
#
# Targets (fuzz/fuzz_targets/): base64, decrypt, json_shape, open, signature,
# and the security .wasm's parsers: security_keys (PEM/DER keys and
# certificates), envelope (WeChat's encrypted reply body).
# Installs what is missing, idempotently: the nightly toolchain (minimal
# profile) and cargo-fuzz. Corpora grow in fuzz/corpus/<target> (not
# committed); the committed seeds are in fuzz/seeds/<target>. A crash stops
# the run with the reproducer in fuzz/artifacts/<target>/ and exit status 1.
# Prints one line per target: executions, executions per second, corpus size.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="$HOME/.cargo/bin:$PATH"

mode=${1:-short}
case "$mode" in
  short) seconds=${2:-30} ;;
  long) seconds=${2:-1800} ;;
  *) echo "usage: $0 short|long [seconds-per-target] [target...]" >&2; exit 2 ;;
esac
shift $(( $# >= 2 ? 2 : $# ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(base64 decrypt json_shape open signature security_keys envelope)

t0=$(date +%s)
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: installing the nightly toolchain (minimal profile)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  # --locked first (reproducible); fall back if a locked dependency is not served.
  cargo +nightly install cargo-fuzz --locked || cargo +nightly install cargo-fuzz
fi
t1=$(date +%s)
echo "fuzz: toolchain ready ($((t1 - t0)) s): $(cargo +nightly fuzz --version)"

# The code that ships: the wasm build always uses the soft AES.
export RUSTFLAGS='--cfg aes_backend="soft"'
cargo +nightly fuzz build --release
echo "fuzz: targets built ($(( $(date +%s) - t1 )) s)"

summary=()
total=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  extra=()
  case "$target" in json_shape | envelope) extra+=(-dict=json.dict) ;; esac
  log=$(mktemp)
  echo "fuzz: $target for $seconds s"
  status=0
  cargo +nightly fuzz run --release "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${extra[@]}" >"$log" 2>&1 || status=$?
  execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
  rate=$(awk '/stat::average_exec_per_sec/ { print $2 }' "$log" | tail -1)
  if [ "$status" -ne 0 ] || grep -q 'SUMMARY: libFuzzer' "$log"; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target CRASHED after ${execs:-?} executions; reproducer in fuzz/artifacts/$target/:" >&2
    ls "artifacts/$target" >&2 || true
    exit 1
  fi
  if [ -z "$execs" ] || [ "$execs" -eq 0 ]; then
    tail -n 30 "$log" >&2
    echo "fuzz: $target ran zero executions" >&2
    exit 1
  fi
  total=$((total + execs))
  summary+=("$(printf '%-11s %6s s %12s execs %8s/s  corpus %5s files  crashes 0' \
    "$target" "$seconds" "$execs" "$rate" "$(ls "corpus/$target" | wc -l)")")
  rm -f "$log"
done
printf 'fuzz: %s\n' "${summary[@]}"
echo "fuzz: $mode run: $total executions in total, 0 crashes"
