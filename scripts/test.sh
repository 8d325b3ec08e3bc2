#!/usr/bin/env bash
# Installs dependencies, builds segpipe and runs every test: a Release build with warnings as
# errors, then the whole suite again under AddressSanitizer + UBSan, then the concurrency tests
# under ThreadSanitizer, then each libFuzzer target for 60 s with a fixed seed. This is exactly
# what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)

echo "== release build + tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEGPIPE_WERROR=ON >/dev/null
ninja -C build
# Tests labelled `perf` compare wall-clock timings (the paced runtime against the simulator): a
# shared CI machine makes them fail at random, so they run on their own, on a quiet machine:
#   ctest --test-dir build -L perf      (docs/benchmarks.md records the last run)
ctest --test-dir build --output-on-failure -j "$jobs" -LE perf

echo "== installed package (out-of-tree C++ consumer), Python module, pip install"
shared="${SEGPIPE_SHARED_DIR:-../shared}"
cmake --install build --prefix build/install >/dev/null
cmake -S examples/cpp -B build/examples-cpp -G Ninja -DCMAKE_PREFIX_PATH="$PWD/build/install" \
  >/dev/null
ninja -C build/examples-cpp
build/examples-cpp/pipeline_example "$shared/models/coral/mobilenet_v1_0.25_128_quant.tflite"
PYTHONPATH=build/python /usr/bin/python3 -m pytest -q -p no:cacheprovider python/tests
PYTHONPATH=build/python /usr/bin/python3 examples/python/model_pipelining_classify_image.py \
  --model "$shared/models/coral/mobilenet_v1_0.25_128_quant.tflite" --count 2
# pip through setup.py, reusing this build's module (a fresh machine configures its own).
# --target installs outside Debian's externally-managed site-packages.
SEGPIPE_CMAKE_BUILD_DIR=build /usr/bin/python3 -m pip install -q --no-build-isolation --no-deps \
  --no-index --target build/pip-target --upgrade .
PYTHONPATH=build/pip-target /usr/bin/python3 -c \
  "import segpipe; print('pip-installed segpipe', segpipe.__version__)"

# The ThreadSanitizer and fuzz builds leave out the stage host and remote pipelines
# (SEGPIPE_BUILD_REMOTE=OFF): Debian's gRPC is not instrumented, and ThreadSanitizer cannot see
# its synchronisation. AddressSanitizer + UBSan checks our side of it (remote_cli_test).
# The sanitizer builds compile at -Og with line tables only (-g1): under ASan + UBSan, GCC takes
# about twice as long at -O1 (2-3x again at -O2 -g) for tests that run only ~7% faster, and the
# reports need no more than file:line. They also compile each target in unity batches (a quarter
# to a third less build time); the Release build compiles every file on its own, which keeps
# each file's includes complete.
sanitizer_flags="-Og -g1 -DNDEBUG"

echo "== AddressSanitizer + UBSan build + tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEGPIPE_WERROR=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$sanitizer_flags" \
  -DSEGPIPE_SANITIZE=address,undefined -DSEGPIPE_BUILD_BENCHMARKS=OFF \
  -DSEGPIPE_BUILD_PYTHON=OFF -DCMAKE_UNITY_BUILD=ON >/dev/null
# Only the tests this pass runs are built: not those labelled slow, wallclock or perf.
ninja -C build-asan sanitizer_tests
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -L "unit|interop|concurrency"

echo "== ThreadSanitizer build + concurrency tests"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEGPIPE_WERROR=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$sanitizer_flags" \
  -DSEGPIPE_SANITIZE=thread -DSEGPIPE_BUILD_BENCHMARKS=OFF -DSEGPIPE_BUILD_PYTHON=OFF \
  -DSEGPIPE_BUILD_REMOTE=OFF -DCMAKE_UNITY_BUILD=ON >/dev/null
ninja -C build-tsan concurrency_tests
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j "$jobs" -L concurrency

echo "== fuzzing: each libFuzzer target for 60 s on top of fuzz/regressions (clang, ASan + UBSan)"
# Both targets at once, one core each: the same search as one after the other, in half the time.
SEGPIPE_FUZZ_PARALLEL=1 SEGPIPE_FUZZ_SEED=1 bash scripts/fuzz.sh 60
