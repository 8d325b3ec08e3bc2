#!/usr/bin/env bash
# A pipeline across stage hosts on a real (virtual) network: network namespaces joined by a
# Linux bridge, the cut link shaped with a token bucket filter.
#
#   bash tests/remote_netns_test.sh SEGPIPE_BINARY SHARED_DIR
#
#        c (coordinator, 10.213.0.1)   h1 (stage 1, 10.213.0.2)   h2 (stage 2, 10.213.0.3)
#                 |                             | tbf RATE (egress)        |
#                 +------------- br0 (in its own "switch" namespace) -----+
#
# Checks, in order:
#   1. `segpipe probe` measures the shaped link h1 -> h2 near the tbf rate;
#   2. the measured throughput of `segpipe run` is within 10% of `run --simulate --hosts`;
#   3. h2's link going down mid-stream fails the run within 45 s, naming h2, and once the link is
#      up again a new run succeeds;
#   4. h2's stage host killed with SIGKILL mid-stream: the same, and a restarted host serves a
#      new run;
#   5. SIGTERM lets both stage hosts exit 0.
# Needs root and network namespaces; exits 77 (CTest's SKIP_RETURN_CODE) without them. Every
# address is inside the test's own namespaces; the root namespace's interfaces are not touched
# (the veth pairs are created directly inside the namespaces).
set -euo pipefail

SEGPIPE=${1:?usage: remote_netns_test.sh SEGPIPE_BINARY SHARED_DIR}
SHARED=${2:?usage: remote_netns_test.sh SEGPIPE_BINARY SHARED_DIR}
MODEL=$SHARED/models/coral/mobilenet_v1_0.25_128_quant.tflite
PY=/usr/bin/python3

RATE_MBIT=20           # h1's egress: the cut link, the pipeline's bottleneck
SPLIT=3                # cut after layer 3: a 64x64x16 activation, 65536 bytes per frame
PORT=7070
DETECT_LIMIT_S=45      # a broken host must fail the run within this
NET=10.213.0
C_IP=$NET.1 H1_IP=$NET.2 H2_IP=$NET.3
H1=$H1_IP:$PORT H2=$H2_IP:$PORT
DEVICES=cpu:1@$H1,cpu:1@$H2

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
now_ns() { date +%s%N; }
# json FILE EXPR: evaluates the Python expression EXPR with d = the parsed file.
json() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

# --- Can this machine run the test? ---------------------------------------------------------
[[ $(id -u) -eq 0 ]] || skip "needs root to create network namespaces"
for tool in ip tc "$PY"; do command -v "$tool" >/dev/null || skip "$tool is not installed"; done
[[ -x $SEGPIPE ]] || fail "no segpipe binary at $SEGPIPE"
[[ -f $MODEL ]] || skip "no model at $MODEL"
if ! ip netns add "segpipe-try-$$" 2>/dev/null; then
  skip "cannot create a network namespace (ip netns add failed)"
fi
ip netns del "segpipe-try-$$"

# --- Cleanup on any exit: every process started here, every namespace, the work folder. -------
SW=segpipe-sw-$$ NS_C=segpipe-c-$$ NS_H1=segpipe-h1-$$ NS_H2=segpipe-h2-$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/segpipe-netns.XXXXXX")
PIDS=()
declare -A HOST_PID  # the stage host of each namespace: h1, h2
cleanup() {
  local rc=$? pid ns
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "$NS_C" "$NS_H1" "$NS_H2" "$SW"; do
    # Anything still inside the test's own namespaces was started by it.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [[ $rc -ne 0 && $rc -ne 77 ]]; then
    for f in "$WORK"/*.err; do [[ -s $f ]] && { echo "--- $(basename "$f")"; tail -n 20 "$f"; }; done
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "segpipe-netns-test-token-$$-$RANDOM" > "$WORK/token"
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# --- The topology: a bridge in the switch namespace, one veth pair per host. ------------------
ip netns add "$SW" || skip "cannot create namespaces"
ip -n "$SW" link set lo up
ip -n "$SW" link add br0 type bridge || skip "cannot create a Linux bridge"
ip -n "$SW" link set br0 up
add_host() {  # add_host NAMESPACE IFNAME ADDRESS
  local ns=$1 ifname=$2 addr=$3
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # Both ends are created inside the namespaces, never in the root namespace.
  ip link add "$ifname" netns "$ns" type veth peer name "${ifname}b" netns "$SW" \
    || skip "cannot create veth pairs"
  ip -n "$SW" link set "${ifname}b" master br0
  ip -n "$SW" link set "${ifname}b" up
  ip -n "$ns" addr add "$addr/24" dev "$ifname"
  ip -n "$ns" link set "$ifname" up
}
IF_C=sp$$c IF_H1=sp$$h1 IF_H2=sp$$h2
add_host "$NS_C" "$IF_C" "$C_IP"
add_host "$NS_H1" "$IF_H1" "$H1_IP"
add_host "$NS_H2" "$IF_H2" "$H2_IP"

# --- Shape h1's egress (frames to h2, credits to c). The burst must hold a GSO super-packet (up to
# 64 KiB) or tbf drops it; the queue may hold 100 ms of data (about 4 frames at this rate), so TCP
# does not see losses.
in_ns "$NS_H1" tc qdisc add dev "$IF_H1" root tbf rate "${RATE_MBIT}mbit" burst 128kb latency 100ms \
  || skip "cannot add a tbf qdisc"

# --- Check 1 and 2: stage hosts, probe, simulated and measured throughput. --------------------
# start_host NAME NAMESPACE ADDRESS: starts `segpipe serve` there and waits for "listening on".
# `ip netns exec` execs the command, so $! is the stage host's own pid (background processes are
# started with `ip netns exec` itself, never through a shell function: $! would be a subshell's).
start_host() {
  local name=$1 ns=$2 addr=$3 deadline
  ip netns exec "$ns" "$SEGPIPE" serve --listen "$addr" --devices cpu:1 --token-file "$WORK/token" \
    > "$WORK/$name.out" 2>> "$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  HOST_PID[$name]=$pid
  deadline=$(( $(now_ns) + 20 * 1000000000 ))
  until grep -q "^listening on $addr\$" "$WORK/$name.out"; do
    kill -0 "$pid" 2>/dev/null || fail "the stage host in $name exited before listening"
    (( $(now_ns) < deadline )) || fail "the stage host in $name did not listen on $addr in 20 s"
    sleep 0.1
  done
}
start_host h1 "$NS_H1" "$H1"
start_host h2 "$NS_H2" "$H2"

in_ns "$NS_C" "$SEGPIPE" probe "$H1" "$H2" --token-file "$WORK/token" -o "$WORK/hosts.json" \
  2> "$WORK/probe.err" | tee "$WORK/probe.out"
CUT_MBIT=$(json "$WORK/hosts.json" \
  "[l['bandwidth_mbit_s'] for l in d['links'] if l['from']=='$H1' and l['to']=='$H2'][0]")
"$PY" -c "import sys; b=float(sys.argv[1]); sys.exit(not (0.5*$RATE_MBIT <= b <= 1.1*$RATE_MBIT))" \
  "$CUT_MBIT" || fail "probe measured $CUT_MBIT Mbit/s from h1 to h2, shaped to $RATE_MBIT Mbit/s"

RUN=(ip netns exec "$NS_C" "$SEGPIPE" run "$MODEL" --devices "$DEVICES" --token-file "$WORK/token"
     --split "$SPLIT")
run_c() { "${RUN[@]}" "$@"; }
run_c --simulate --hosts "$WORK/hosts.json" --batch 200 --json > "$WORK/sim.json" 2> "$WORK/sim.err"
SIM_TPUT=$(json "$WORK/sim.json" "d['throughput_per_s']")
echo "links (simulated):"
json "$WORK/sim.json" "'\n'.join('  %s -> %s: %d bytes, transfer %.3f ms (%s)' % \
  (l['from'], l['to'], l['bytes'], l['transfer_ms'], l['source']) for l in d['links'])"
# The cut link must carry a large activation and be the bottleneck by far: its transfer time above
# 5x every stage's.
json "$WORK/sim.json" "[l['bytes'] >= 65536 and l['transfer_ms'] > 5 * max(s['stage_ms'] \
  for s in d['stages']) for l in d['links'] if l['from']=='$H1' and l['to']=='$H2'][0]" \
  | grep -qx True || fail "the shaped link h1 -> h2 is not the pipeline's bottleneck"

# About 7 s of inputs at the simulated rate.
BATCH=$("$PY" -c "import sys; print(max(100, min(2000, round(7 * float(sys.argv[1])))))" "$SIM_TPUT")
T0=$(now_ns)
run_c --hosts "$WORK/hosts.json" --batch "$BATCH" --json > "$WORK/real.json" 2> "$WORK/real.err" \
  || fail "the measured run failed: $(cat "$WORK/real.err")"
RUN_S=$("$PY" -c "import sys; print('%.1f' % ((int(sys.argv[1]) - int(sys.argv[2])) / 1e9))" \
  "$(now_ns)" "$T0")
REAL_TPUT=$(json "$WORK/real.json" "d['throughput_per_s']")
RATIO=$("$PY" -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" \
  "$REAL_TPUT" "$SIM_TPUT")
printf 'throughput: measured %.2f/s (batch %d, %s s), simulated %.2f/s, ratio %s\n' \
  "$REAL_TPUT" "$BATCH" "$RUN_S" "$SIM_TPUT" "$RATIO"
"$PY" -c "import sys; sys.exit(not 0.9 <= float(sys.argv[1]) <= 1.1)" "$RATIO" \
  || fail "measured throughput $REAL_TPUT/s is not within 10% of the simulated $SIM_TPUT/s"

# --- Checks 3 and 4: failures mid-stream. -----------------------------------------------------
# break_mid_stream NAME COMMAND...: starts a long run from c, runs COMMAND after 2 s, and checks
# that the run exits non-zero within DETECT_LIMIT_S naming h2. Sets DETECT_S and MESSAGE.
break_mid_stream() {
  local name=$1 pid rc=0 t0 deadline
  shift
  "${RUN[@]}" --batch 200000 > "$WORK/$name.out" 2> "$WORK/$name.err" &
  pid=$!
  PIDS+=("$pid")
  sleep 2
  kill -0 "$pid" 2>/dev/null || fail "$name: the long run ended before the fault: $(cat "$WORK/$name.err")"
  t0=$(now_ns)
  "$@"
  deadline=$(( t0 + DETECT_LIMIT_S * 1000000000 ))
  while kill -0 "$pid" 2>/dev/null; do
    (( $(now_ns) < deadline )) || fail "$name: the run did not notice within $DETECT_LIMIT_S s"
    sleep 0.05
  done
  wait "$pid" || rc=$?
  DETECT_S=$("$PY" -c "import sys; print('%.2f' % ((int(sys.argv[1]) - int(sys.argv[2])) / 1e9))" \
    "$(now_ns)" "$t0")
  MESSAGE=$(cat "$WORK/$name.err")
  echo "$name: the run exited $rc after $DETECT_S s: $MESSAGE"
  [[ $rc -ne 0 ]] || fail "$name: the run exited 0"
  grep -qF "$H2" "$WORK/$name.err" || fail "$name: the message does not name h2 ($H2)"
}
# short_run NAME: a new short run must succeed.
short_run() {
  run_c --batch 20 > "$WORK/$1.out" 2> "$WORK/$1.err" \
    || fail "$1: a new run failed: $(cat "$WORK/$1.err")"
  echo "$1: a new run succeeded"
}

# 3. h2's interface down (inside h2): its connections go silent, nothing resets them.
break_mid_stream link_down in_ns "$NS_H2" ip link set "$IF_H2" down
LINK_S=$DETECT_S LINK_MSG=$MESSAGE
in_ns "$NS_H2" ip link set "$IF_H2" up
short_run after_link_up

# 4. h2's stage host killed: its connections are reset at once.
kill_h2() { kill -9 "${HOST_PID[h2]}"; wait "${HOST_PID[h2]}" 2>/dev/null || true; }  # no "Killed"
break_mid_stream kill_h2 kill_h2
KILL_S=$DETECT_S KILL_MSG=$MESSAGE
start_host h2 "$NS_H2" "$H2"
short_run after_restart

# --- Check 5: both stage hosts drain and exit 0 on SIGTERM. -----------------------------------
for name in h1 h2; do
  pid=${HOST_PID[$name]} rc=0
  kill -TERM "$pid"
  timeout_at=$(( $(now_ns) + 15 * 1000000000 ))
  while kill -0 "$pid" 2>/dev/null; do
    (( $(now_ns) < timeout_at )) || fail "the stage host in $name did not exit 15 s after SIGTERM"
    sleep 0.05
  done
  wait "$pid" || rc=$?
  [[ $rc -eq 0 ]] || fail "the stage host in $name exited $rc on SIGTERM"
done

# --- Summary. ----------------------------------------------------------------------------------
echo "PASS: cut link h1 -> h2 shaped to $RATE_MBIT Mbit/s, probed $(printf %.1f "$CUT_MBIT") Mbit/s"
printf 'PASS: throughput measured %.2f/s, simulated %.2f/s, ratio %s\n' \
  "$REAL_TPUT" "$SIM_TPUT" "$RATIO"
echo "PASS: h2's link down noticed in $LINK_S s: $LINK_MSG"
echo "PASS: h2 killed noticed in $KILL_S s: $KILL_MSG"
echo "PASS: new runs succeeded after the link came back and after h2 restarted"
