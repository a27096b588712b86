# shellcheck shell=bash
# The CLI-driving helpers of the demo runs (jiading_full_run.sh, partial_run.sh): zc, zc_show,
# expect_refusal, with CALLS/REFUSALS counters. Source it after lib.sh, with ZC_BIN set.

unset ZONECHECK_USER # every command says who acts with --as
VERBOSE="${VERBOSE:-0}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || zc_die "JOBS 应为正整数,收到“$JOBS”"

CALLS=0
REFUSALS=0
OUT=""

# zc ARGS...: run zonecheck, keep its output in $OUT; on failure show command and output, stop.
zc() {
    local rc=0
    CALLS=$((CALLS + 1))
    OUT="$("$ZC_BIN" "$@" 2>&1)" || rc=$?
    if ((rc != 0)); then
        printf '失败(退出码 %d):zonecheck %s\n%s\n' "$rc" "$*" "$OUT" >&2
        exit "$rc"
    fi
    if [[ "$VERBOSE" == 1 ]]; then
        printf '+ zonecheck %s\n%s\n' "$*" "$OUT" >&2
    fi
}

# zc_show ARGS...: like zc, and print the command and its output.
zc_show() {
    printf '\n$ zonecheck %s\n' "$*"
    zc "$@"
    printf '%s\n' "$OUT"
}

# expect_refusal WORDS ARGS...: zonecheck ARGS must exit 1 with one “错误:” line containing WORDS.
expect_refusal() {
    local words="$1" rc=0 err
    shift
    CALLS=$((CALLS + 1))
    printf '\n$ zonecheck %s    # 预期被拒绝\n' "$*"
    err="$("$ZC_BIN" "$@" 2>&1 >/dev/null)" || rc=$?
    ((rc == 1)) || zc_die "预期被拒绝并以退出码 1 结束,实际退出码 $rc:zonecheck $*${err:+
$err}"
    [[ "$err" == 错误:* && "$err" != *$'\n'* ]] || zc_die "拒绝信息应为一行“错误:…”,实际为:$err"
    [[ "$err" == *"$words"* ]] || zc_die "拒绝信息中没有“$words”:$err"
    printf '%s\n(退出码 %d,符合预期)\n' "$err" "$rc"
    REFUSALS=$((REFUSALS + 1))
}
