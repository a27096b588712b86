#!/usr/bin/env bash
# Set up, then run the main job on the seed plans: create/upgrade the database in the default
# data folder (./zonecheck-data, SQLite), import every seed plan, print a summary per plan;
# then run Jiading's whole acceptance cycle (scripts/jiading_full_run.sh) in its own data folder
# ./zonecheck-data/jiading-full-run (recreated on every demo), ending with its status; then put
# the four other plans of the default data folder in a partial state (scripts/partial_run.sh),
# once: a data folder that already has people (an earlier demo, or real work) is left as it is.
#
# Environment:
#   ZONECHECK_SEEDS=...   folder of seed plans *.txt (default: ../shared/seeds beside the repo)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$ZC_ROOT/scripts/setup.sh"
cd "$ZC_ROOT"

SEEDS="${ZONECHECK_SEEDS:-$ZC_ROOT/../shared/seeds}"
[[ -d "$SEEDS" ]] || zc_die "seed folder not found: $SEEDS (set ZONECHECK_SEEDS=/path/to/seeds)"
shopt -s nullglob
seed_files=("$SEEDS"/*.txt)
shopt -u nullglob
((${#seed_files[@]} > 0)) || zc_die "no seed plans (*.txt) in $SEEDS"

zc_run .venv/bin/zonecheck db upgrade
# Each seed plan in its own zone (jurisdiction), as five offices would hold them in one deployment.
declare -A SEED_ZONES=(
    [000]=湖北省/武汉市/武汉市某区 [001]=江西省 [002]=河南省/许昌市 [003]=上海市/嘉定区 [004]=山东省/济南市
)
ZONES_NOW="$(.venv/bin/zonecheck zone list --json)"
ensure_zone() { # PATH: add each missing level of an a/b/c path
    local path="$1" parent="" name
    IFS=/ read -r -a parts <<<"$path"
    for name in "${parts[@]}"; do
        if ! printf '%s' "$ZONES_NOW" | grep -q "\"path\": \"${parent:+$parent/}$name\""; then
            zc_run .venv/bin/zonecheck zone add "$name" ${parent:+--parent "$parent"}
            ZONES_NOW="$(.venv/bin/zonecheck zone list --json)"
        fi
        parent="${parent:+$parent/}$name"
    done
}
for seed in "${seed_files[@]}"; do
    prefix="$(basename "$seed")"
    prefix="${prefix:0:3}"
    zone="${SEED_ZONES[$prefix]:-}"
    [[ -n "$zone" ]] || zc_die "no zone known for seed $seed (SEED_ZONES in scripts/demo.sh)"
    ensure_zone "$zone"
    zc_run .venv/bin/zonecheck import "$seed" --zone "$zone"
done
zc_run .venv/bin/zonecheck plans

# The acceptance cycle, from import to a fully accepted plan, in a folder the demo owns.
FULL_RUN="$ZC_ROOT/zonecheck-data/jiading-full-run"
rm -rf "$FULL_RUN"
zc_run env -u ZONECHECK_DB bash "$ZC_ROOT/scripts/jiading_full_run.sh" "$FULL_RUN"

# Plans 000, 001, 002 and 004 part way through, in the data folder that holds the import above.
DATA="${ZONECHECK_HOME:-$ZC_ROOT/zonecheck-data}"
PEOPLE="$(.venv/bin/zonecheck user list --json)"
if [[ "$(printf '%s' "$PEOPLE" | tr -d '[:space:]')" == "[]" ]]; then
    zc_run bash "$ZC_ROOT/scripts/partial_run.sh" "$DATA"
else
    zc_log "$DATA 中已有人员(此前运行过演示或已有实际数据),不再运行 scripts/partial_run.sh;" \
        "如需重建演示数据,请删除该目录后重新运行 make demo"
fi

# The documents of every plan: reports, notices, the ledger and the evidence bundle.
# Jiading's come from its full run; the other four from the partial state above.
REPORTS="$DATA/reports"
mkdir -p "$REPORTS"
demo_documents() { # HOME PLAN NAME
    local home="$1" plan="$2" name="$3" out="$REPORTS/$3"
    local zc=(env -u ZONECHECK_DB ZONECHECK_HOME="$home" .venv/bin/zonecheck)
    zc_run "${zc[@]}" report acceptance "$plan" -o "$out-验收报告.pdf"
    zc_run "${zc[@]}" report selfcheck "$plan" -o "$out-自查报告.pdf"
    zc_run "${zc[@]}" report stage "$plan" --as-of "$(date +%F)" -o "$out-阶段性报告.pdf"
    zc_run "${zc[@]}" export "$plan" --format xlsx -o "$out-工作台账.xlsx"
    zc_run "${zc[@]}" bundle "$plan" -o "$out-佐证材料汇编.zip"
    zc_run "${zc[@]}" evidence verify --bundle "$out-佐证材料汇编.zip"
}
demo_documents "$FULL_RUN/zonecheck-data" 003 嘉定
for plan in 000 001 002 004; do
    demo_documents "$DATA" "$plan" "$plan"
    zc_run .venv/bin/zonecheck report reminders "$plan" -o "$REPORTS/$plan-督办通知.pdf"
    zc_run .venv/bin/zonecheck report rectification "$plan" -o "$REPORTS/$plan-整改通知.pdf"
done
zc_log "报告、台账与佐证材料汇编已生成在 $REPORTS"
zc_log "网页服务:运行 make serve(或 .venv/bin/zonecheck serve),浏览器打开 http://127.0.0.1:8000/," \
    "以 周主任(管理员)、黄志强(武汉方案审核人)或 张卫东(区市场监管局)等登录;" \
    "演示数据中人员的密码均为 ${ZONECHECK_DEMO_PASSWORD:-zonecheck-demo}(zonecheck user list 查看全部人员)"

# Last, the day's 三色督办 reminders delivered by e-mail to a local mail catcher that the step
# starts and stops itself.
zc_log "督办提醒:按三色督办规则生成今天的提醒,发送到本地邮件接收器"
zc_run bash "$ZC_ROOT/scripts/demo_reminders.sh" "$DATA" "$(date +%F)"
