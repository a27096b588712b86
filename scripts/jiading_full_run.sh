#!/usr/bin/env bash
# Jiading (嘉定区, seed 003) from import to a fully accepted plan, through the zonecheck CLI alone.
#
#   scripts/jiading_full_run.sh [FOLDER]
#
# FOLDER (default: a new temporary folder) must not exist yet or be empty. The run keeps
# everything in it: the data folder FOLDER/zonecheck-data (database, catalogs, evidence store)
# and the generated evidence files FOLDER/材料. It never touches an existing data folder.
#
# What it does, in this order:
#   1. db upgrade; zones 上海市 → 嘉定区; import the seed into 嘉定区; the office edits the
#      catalog so that the 4 safeguards S1-S4 (no units in the document) go to
#      区知识产权联席会议办公室, and re-imports it;
#   2. people: an admin and two reviewers of the district's office, a reviewer who belongs to
#      区市场监管局, and one member (“<单位>联络员”) per responsible unit; both unit groups
#      (各成员单位 / 其他成员单位) mapped to the plan's units; the city (上海市) gets its own
#      admin and reviewer, and the plan two review levels: 区级初审 by the district, 市级验收
#      by the city's office;
#   3. every measure, 22 tasks and the 4 safeguards: the lead unit starts it, each responsible
#      unit adds a PDF per checklist item (成文日期 2023-10-15) and marks its part done, the lead
#      submits the self-check, a district reviewer passes 区级初审 and the city's reviewer
#      accepts it (市级验收) with a score. On the way:
#        - measure 3 is returned for rectification (--comment, --due), 区经委 replaces its
#          evidence, the lead resubmits, and it is accepted;
#        - 区法院's member tries to start measure 10 (not its unit's): refused, exit 1;
#        - the reviewer from 区市场监管局 tries to accept measure 10 (its own unit's):
#          refused for conflict of interest, exit 1;
#        - a district reviewer tries to decide 市级验收 of measure 10: refused, it is the
#          city's level, exit 1;
#   4. status, audit verify, evidence verify, and the history of measure 3; a summary.
#
# Any step meant to succeed that fails stops the run (its output is shown); a step meant to be
# refused must exit 1 with a one-line “错误:…” naming the reason, or the run stops.
#
# Environment:
#   ZONECHECK_DB=URL    database to use instead of the SQLite file in the data folder, e.g. a new
#                       PostgreSQL database; it must be empty (never upgraded), else the run stops
#   ZONECHECK_HOME      ignored: the script sets it to FOLDER/zonecheck-data
#   ZONECHECK_SEEDS=DIR folder of seed plans (default: ../shared/seeds beside the repository)
#   JOBS=N              measures worked on at the same time (default: the number of CPUs;
#                       JOBS=1 runs them one after another)
#   VERBOSE=1           print every zonecheck command and its output
#
# Uses `zonecheck` from PATH, else the repository's .venv/bin/zonecheck (run `make demo` once).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The whole script is one block that bash reads before running it, so editing the file while
# a run is under way cannot derail that run.
{

case "${1:-}" in
    -h | --help)
        sed -n '2,38p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
esac
(($# <= 1)) || zc_die "用法:scripts/jiading_full_run.sh [文件夹]"

# --- the scenario ------------------------------------------------------------------------------

SEED_NAME=003_ae6539458f46096d
DOC_DATE=2023-10-15          # 成文日期 of the evidence: inside the plan period (2023-06-30 .. 2024-04-30)
FIX_DATE=2023-11-20          # 成文日期 of the rectified evidence
RETURN_REF=3                 # returned for rectification, then fixed and accepted
RETURN_TODAY=2024-03-01      # the review's day (inside the acceptance phase) ...
RETURN_DUE=2024-03-31        # ... and the rectification deadline it sets
RETURN_UNIT=区经委            # the co-responsible unit whose evidence was short
CROSS_REF=10                 # a measure of 区市场监管局 alone ...
CROSS_UNIT=区法院             # ... that this unit's member may not touch
OFFICE_UNIT=区知识产权联席会议办公室  # takes the safeguards; not itself a member of the groups
CITY=上海市
DISTRICT=嘉定区
CITY_ADMIN=市管理员陈
CITY_REVIEWER=市审核员林
LEVELS=(区级初审 市级验收)   # the second is the city office's (--zone-of-level)
ADMIN=王主任
REVIEWER=李审核员
REVIEWER2=周审核员
CONFLICTED=钱审核员          # reviewer who belongs to 区市场监管局
CONFLICTED_UNIT=区市场监管局

# --- folders, commands, safety checks ----------------------------------------------------------

ZC_BIN="$(command -v zonecheck || true)"
[[ -n "$ZC_BIN" ]] || ZC_BIN="$ZC_ROOT/.venv/bin/zonecheck"
[[ -x "$ZC_BIN" ]] || zc_die "找不到 zonecheck:PATH 中没有,$ZC_ROOT/.venv/bin 中也没有(先运行 make demo)"
PY="$(dirname "$ZC_BIN")/python"
[[ -x "$PY" ]] || PY="$(command -v python3)"

SEEDS="${ZONECHECK_SEEDS:-$ZC_ROOT/../shared/seeds}"
[[ -f "$SEEDS/$SEED_NAME.txt" ]] ||
    zc_die "找不到嘉定区方案 $SEEDS/$SEED_NAME.txt(可设置 ZONECHECK_SEEDS=种子方案文件夹)"
SEED="$(cd "$SEEDS" && pwd)/$SEED_NAME.txt"

if (($# == 1)); then
    RUN_DIR="$1"
    if [[ -e "$RUN_DIR" ]]; then
        [[ -d "$RUN_DIR" ]] || zc_die "$RUN_DIR 不是文件夹"
        [[ -z "$(ls -A "$RUN_DIR")" ]] || zc_die "文件夹 $RUN_DIR 不是空的;为免改动已有数据,请指定新的或空的文件夹"
    fi
    mkdir -p "$RUN_DIR"
else
    RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/zonecheck-jiading.XXXXXX")"
fi
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
export ZONECHECK_HOME="$RUN_DIR/zonecheck-data"
FILES="$RUN_DIR/材料"
mkdir -p "$FILES"
source "$ZC_ROOT/scripts/run_lib.sh"

member() { printf '%s联络员' "$1"; }

zc_log "运行文件夹 $RUN_DIR;zonecheck:$ZC_BIN"

# An existing database is never changed: the run needs an empty one.
zc db status
[[ "$OUT" == *"当前版本 空库"* ]] ||
    zc_die "数据库不是空的($OUT);为免改动已有数据,请让 ZONECHECK_DB 指向新建的空数据库"

# --- 1. database, plan, catalog edit -----------------------------------------------------------

zc_log "1. 建库、导入方案、补充保障措施的责任单位"
zc_show db upgrade
zc_show zone add "$CITY"
zc_show zone add "$DISTRICT" --parent "$CITY"
zc_show import "$SEED" --zone "$DISTRICT"
CATALOG="$ZONECHECK_HOME/catalogs/$SEED_NAME.yaml"
[[ -f "$CATALOG" ]] || zc_die "导入后没有方案目录文件 $CATALOG"

# What the office would do by hand: the safeguards name no unit; give them to the office's unit.
"$PY" - "$CATALOG" "$OFFICE_UNIT" <<'PYEOF'
import re
import sys

path, unit = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
blocks = re.split(r"(?m)^(?=  - kind: )", text)
done = 0
for i, block in enumerate(blocks):
    if block.startswith("  - kind: safeguard") and "\n    units: []\n    units_text: ''\n" in block:
        blocks[i] = block.replace(
            "\n    units: []\n    units_text: ''\n",
            f"\n    units:\n      - name: {unit}\n        role: lead\n    units_text: {unit}\n",
        )
        done += 1
if done != 4:
    sys.exit(f"expected 4 safeguards without units in {path}, found {done}")
open(path, "w", encoding="utf-8").write("".join(blocks))
PYEOF
zc_show import "$CATALOG"
PLAN="$SEED_NAME"

# --- 2. people and groups ----------------------------------------------------------------------

zc_log "2. 人员与单位群体"
zc export "$PLAN" --format json
# Lines: U<TAB>unit (every unit named by a measure) and G<TAB>group, in the document's order.
printf '%s' "$OUT" | "$PY" -c '
import json, sys
units, groups = {}, {}
for m in json.load(sys.stdin)["measures"]:
    for u in m["units"]:
        (groups if u["role"] == "group" else units)[u["name"]] = None
for name in units:
    print(f"U\t{name}")
for name in groups:
    print(f"G\t{name}")
' >"$RUN_DIR/units.tsv"
mapfile -t UNIT_LINES <"$RUN_DIR/units.tsv"
UNITS=()
UNIT_GROUPS=()
for line in "${UNIT_LINES[@]}"; do
    IFS=$'\t' read -r kind name <<<"$line"
    if [[ "$kind" == U ]]; then UNITS+=("$name"); else UNIT_GROUPS+=("$name"); fi
done
((${#UNITS[@]} > 0 && ${#UNIT_GROUPS[@]} == 2)) || zc_die "方案中的单位不符合预期:${UNIT_LINES[*]}"

zc_show user add "$ADMIN" --zone "$DISTRICT" --role admin
zc_show user add "$CITY_ADMIN" --zone "$CITY" --role admin
zc --as "$CITY_ADMIN" user add "$CITY_REVIEWER" --role reviewer
zc_show --as "$ADMIN" review levels "$PLAN" "${LEVELS[@]}" --zone-of-level "${LEVELS[1]}=$CITY"
zc --as "$ADMIN" user add "$REVIEWER" --role reviewer
zc --as "$ADMIN" user add "$REVIEWER2" --role reviewer
zc --as "$ADMIN" user add "$CONFLICTED" --role reviewer --unit "$CONFLICTED_UNIT"
for unit in "${UNITS[@]}"; do
    zc --as "$ADMIN" user add "$(member "$unit")" --unit "$unit"
done
# The joint conference's member units: every unit of the plan but the conference's own office.
MEMBER_ARGS=()
for unit in "${UNITS[@]}"; do
    [[ "$unit" == "$OFFICE_UNIT" ]] || MEMBER_ARGS+=(--add "$unit")
done
for group in "${UNIT_GROUPS[@]}"; do
    zc_show --as "$ADMIN" unit group "$group" "${MEMBER_ARGS[@]}"
done
zc_show user list

# --- 3. every measure --------------------------------------------------------------------------

zc_log "3. 逐项推进、自查、审核"
zc measures "$PLAN" --json
# One line per measure: ref, lead unit, number of checklist items, all responsible units (lead
# first, groups expanded), short title. Writes one small PDF per unit and item into $FILES.
printf '%s' "$OUT" | "$PY" -c '
import json, os, sys

sys.path.insert(0, os.path.join(os.environ["ZC_ROOT"], "scripts"))
from demo_files import pdf

files = sys.argv[1]

for m in json.load(sys.stdin):
    units, lead = [], []
    for u in m["units"]:
        names = [x["name"] for x in u["members"]] if u["role"] == "group" else [u["name"]]
        units += [n for n in names if n not in units]
        if u["role"] == "lead":
            lead.append(u["name"])
    lead = lead or units[:1]  # only groups named: each member leads its own share
    units = lead + [u for u in units if u not in lead]
    ref, items = m["ref"], len(m["checklist"])
    folder = os.path.join(files, ref)
    os.makedirs(folder, exist_ok=True)
    for unit in units:
        for i in range(1, items + 1):
            body = pdf(
                f"{unit} 措施{ref} 清单第{i}项 佐证材料",
                [
                    "Jiading IP protection demonstration zone - evidence",
                    f"Measure {ref}, checklist item {i}",
                    f"Unit code {unit.encode().hex()[:16]}, dated 2023-10-15",
                ],
            )
            with open(os.path.join(folder, f"{unit}-第{i}项.pdf"), "wb") as fh:
                fh.write(body)
    title = m["title"] if len(m["title"]) <= 24 else m["title"][:23] + "…"
    print("\t".join([ref, lead[0], str(items), "|".join(units), title]))
' "$FILES" >"$RUN_DIR/measures.tsv"
mapfile -t WORK <"$RUN_DIR/measures.tsv"
((${#WORK[@]} > 0)) || zc_die "没有读到任何措施"

# run_measure INDEX LINE: every step of one measure, from start to acceptance. Runs in its own
# subshell (see below); leaves its number of zonecheck calls and refusals in $LOGS/REF.count.
run_measure() {
    local index="$1" ref lead items units_joined title units m lead_member unit i old_id fixed
    IFS=$'\t' read -r ref lead items units_joined title <<<"$2"
    IFS='|' read -r -a units <<<"$units_joined"
    m="$PLAN/$ref"
    lead_member="$(member "$lead")"

    if [[ "$ref" == "$CROSS_REF" ]]; then
        expect_refusal "不是措施" --as "$(member "$CROSS_UNIT")" start "$m"
    fi
    zc --as "$lead_member" start "$m"
    for unit in "${units[@]}"; do
        for ((i = 1; i <= items; i++)); do
            zc --as "$(member "$unit")" evidence add "$m" --item "$i" "$FILES/$ref/$unit-第${i}项.pdf" \
                --date "$DOC_DATE" --note "${unit}工作台账"
        done
        zc --as "$(member "$unit")" part done "$m"
    done
    zc --as "$lead_member" selfcheck "$m" \
        --statement "${lead}牵头,${#units[@]} 个责任单位均已完成并提交佐证材料"

    if [[ "$ref" == "$CROSS_REF" ]]; then
        expect_refusal "须回避" --as "$CONFLICTED" review accept "$m" --score 95
    fi
    if [[ "$ref" == "$RETURN_REF" ]]; then
        zc_show --as "$REVIEWER2" review return "$m" --today "$RETURN_TODAY" --due "$RETURN_DUE" \
            --comment "${RETURN_UNIT}的佐证材料未体现重点产业知识产权对接活动,请补充后重新提交"
        zc evidence list "$m" --json
        old_id="$(printf '%s' "$OUT" | "$PY" -c '
import json, sys
unit, item = sys.argv[1], int(sys.argv[2])
print(next(e["id"] for e in json.load(sys.stdin) if e["unit"] == unit and e["item"] == item))
' "$RETURN_UNIT" 1)"
        fixed="$FILES/$ref/${RETURN_UNIT}-第1项(整改后).pdf"
        cp "$FILES/$ref/${RETURN_UNIT}-第1项.pdf" "$fixed"
        printf '%% rectified %s: industry matchmaking events added\n' "$FIX_DATE" >>"$fixed"
        zc_show --as "$(member "$RETURN_UNIT")" evidence replace "$old_id" "$fixed" \
            --date "$FIX_DATE" --note "补充重点产业知识产权对接活动记录"
        zc_show --as "$lead_member" selfcheck "$m" --statement "已按整改意见补充${RETURN_UNIT}的对接活动材料"
    fi
    zc --as "$REVIEWER" review accept "$m" --comment "区级初审:材料齐全"
    if [[ "$ref" == "$CROSS_REF" ]]; then
        expect_refusal "所在辖区不负责" --as "$REVIEWER2" review accept "$m" --score 95
    fi
    zc --as "$CITY_REVIEWER" review accept "$m" --score $((85 + index * 7 % 15)) --comment "市级验收:同意验收"
    printf '  %-4s %s:%d 个责任单位,清单 %s 项 → 已验收\n' "$ref" "$title" "${#units[@]}" "$items"
    printf '%d %d\n' "$CALLS" "$REFUSALS" >"$LOGS/$ref.count"
}

# Measures are independent, so up to $JOBS of them run at once (as the units of a district
# would work side by side); each one's output is shown in the plan's order once it is done.
LOGS="$RUN_DIR/logs"
mkdir -p "$LOGS"
declare -A RUNNING=() # pid -> ref
declare -A FINISHED=()
REFS=()
SHOWN=0

show_finished() {
    local ref
    while ((SHOWN < ${#REFS[@]})) && [[ -n "${FINISHED[${REFS[$SHOWN]}]:-}" ]]; do
        ref="${REFS[$SHOWN]}"
        cat "$LOGS/$ref.log"
        SHOWN=$((SHOWN + 1))
    done
}

# reap: wait for one running measure; on failure show its output, stop the others and quit.
reap() {
    local pid="" rc=0 ref calls refusals
    wait -n -p pid "${!RUNNING[@]}" || rc=$?
    ref="${RUNNING[$pid]}"
    unset "RUNNING[$pid]"
    if ((rc != 0)); then
        cat "$LOGS/$ref.log" >&2
        ((${#RUNNING[@]} == 0)) || kill "${!RUNNING[@]}" 2>/dev/null || true
        wait || true
        zc_die "措施 $ref 未能完成(退出码 $rc,见上)"
    fi
    read -r calls refusals <"$LOGS/$ref.count"
    CALLS=$((CALLS + calls))
    REFUSALS=$((REFUSALS + refusals))
    FINISHED[$ref]=1
    show_finished
}

MEASURES=0
for line in "${WORK[@]}"; do
    ref="${line%%$'\t'*}"
    while ((${#RUNNING[@]} >= JOBS)); do reap; done
    (
        CALLS=0 REFUSALS=0
        run_measure "$MEASURES" "$line"
    ) >"$LOGS/$ref.log" 2>&1 &
    RUNNING[$!]="$ref"
    REFS+=("$ref")
    MEASURES=$((MEASURES + 1))
done
while ((${#RUNNING[@]} > 0)); do reap; done

# --- 4. results --------------------------------------------------------------------------------

zc_log "4. 结果"
zc_show status "$PLAN"
zc status "$PLAN" --json
read -r TOTAL ACCEPTED RATE AVERAGE <<<"$(printf '%s' "$OUT" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d["total"], d["by_state"]["accepted"], format(d["acceptance_rate"], ".1%"), d["average_score"])
')"
[[ "$TOTAL" == "$ACCEPTED" && "$TOTAL" == "$MEASURES" ]] ||
    zc_die "应全部验收:共 $TOTAL 项,已验收 $ACCEPTED 项,本次办理 $MEASURES 项"
zc_show audit verify
zc_show evidence verify
zc_show history "$PLAN/$RETURN_REF"

cat <<EOF

==================== 嘉定区全流程演示:完成 ====================
方案:嘉定区建设上海市知识产权保护示范区实施方案($PLAN)
措施:共 $TOTAL 项(22 项任务 + 4 项保障措施),已验收 $ACCEPTED 项,验收率 $RATE,平均分 $AVERAGE
退回整改:措施 $RETURN_REF 退回后由${RETURN_UNIT}替换材料、重新自查,已验收
按规则拒绝:$REFUSALS 次(跨单位办理措施 $CROSS_REF;${CONFLICTED_UNIT}的审核人审核本单位措施,须回避;区审核人代行市级验收)
审计日志与佐证材料校验均通过;共调用 zonecheck $CALLS 次,用时 ${SECONDS} 秒
数据目录:$ZONECHECK_HOME${ZONECHECK_DB:+(数据库为 ZONECHECK_DB 所指的数据库)}
继续查看:ZONECHECK_HOME=$ZONECHECK_HOME zonecheck status $PLAN${ZONECHECK_DB:+(同时设置同一 ZONECHECK_DB)}
EOF
exit 0
}
