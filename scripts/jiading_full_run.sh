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
#        - measure 5 (the member-unit groups' own shares): 区文化旅游局 hands in nothing; the
#          other members' evidence carries the measure through, the formal review finds the gap;
#   4. the acceptance review, once every measure is accepted:
#        4.1 the office loads the plan's index system (the example of `index example`, unedited)
#            and self-scores every leaf with a statement and its measures' evidence; the
#            自评报告 in PDF and Word;
#        4.2 the formal review, issued on a fixed day (2024-05-06, 5 working days: the demo never
#            depends on today's date): one notice PDF, to 区文化旅游局; the office reopens
#            measure 5, the unit supplies its evidence (late: the real clock is past 2024), the
#            measure is accepted again; formal status, close;
#        4.3 two experts of 上海市知识产权服务中心 seated (one 组长), one of 区市场监管局
#            refused for conflict of interest (exit 1); an on-site check with a photo; both
#            score every leaf (side by side when JOBS > 1), opinions, the 组长's consolidated
#            scores and 专家组意见, finalised: status --json has score {self, expert, grade};
#        4.4 the acceptance report unsigned, then signed with a fresh demonstration certificate
#            (演示用,不具法律效力; ZONECHECK_SIGN_* set for that step only), report verify; the
#            report in Word and the 验收汇总表 (XLSX); the three render times go into the summary;
#   5. status, audit verify, evidence verify, and the history of measure 3;
#   6. the day's reminders: a second plan with dated deadlines (seed 000) into the district, a
#      local mail catcher (aiosmtpd) started, three units' members and the admin given e-mail
#      addresses, notify run --today 2025-12-20 delivers their digests (and the office's
#      情况通报), what arrived is counted, the catcher stopped; a summary.
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
        sed -n '2,65p' "${BASH_SOURCE[0]}"
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
GAP_REF=5                    # a measure of the member-unit groups: each member answers for its own share ...
GAP_UNIT=区文化旅游局         # ... and this member hands in none, so the formal review finds its gap
FORMAL_TODAY=2024-05-06      # the formal review's day of issue, fixed (a year chinesecalendar knows)
FORMAL_DAYS=5                # 补正 window in working days (2024-05-11, a Saturday, is a make-up workday)
SITE_DATE=2024-05-20         # the on-site check, after the formal review
EXPERT_ORG=上海市知识产权服务中心   # the third party organising the panel
LEADER=赵专家                 # 组长
EXPERT2=孙专家
CONFLICTED_EXPERT=吴专家      # an expert of 区市场监管局 itself: refused a seat
REMINDER_SEED=000_53900fa8173cc0f4  # a plan with fixed and annual deadlines, for the reminders
REMINDER_TODAY=2025-12-20    # some of its items overdue (红), others due in 11 days (黄)
declare -A REMINDER_MAIL=([区市场监管局]=scjgj [区司法局]=sfj [区检察院]=jcy)  # members' mailboxes

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
    local index="$1" ref lead items units_joined title units m lead_member unit i old_id fixed items_of_unit
    IFS=$'\t' read -r ref lead items units_joined title <<<"$2"
    IFS='|' read -r -a units <<<"$units_joined"
    m="$PLAN/$ref"
    lead_member="$(member "$lead")"

    if [[ "$ref" == "$CROSS_REF" ]]; then
        expect_refusal "不是措施" --as "$(member "$CROSS_UNIT")" start "$m"
    fi
    zc --as "$lead_member" start "$m"
    for unit in "${units[@]}"; do
        # The arranged gap: the measure is evidenced by the other members, so its self-check and
        # reviews pass, but the formal review (step 5) finds this member's own share missing.
        items_of_unit="$items"
        if [[ "$ref" == "$GAP_REF" && "$unit" == "$GAP_UNIT" ]]; then items_of_unit=0; fi
        for ((i = 1; i <= items_of_unit; i++)); do
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

# --- 4. the acceptance review: index system, self-assessment, formal review, experts, signed report

# 4.1 The office loads the plan's index system and scores every leaf itself (自评分).
zc_log "4.1 评价指标体系与自评:本演示直接载入 zonecheck index example 生成的示例指标体系(实际工作中办公室按本地指标体系修改后载入)"
INDEX_FILE="$RUN_DIR/评价指标体系(示例).yaml"
zc index example "$PLAN"
printf '%s\n' "$OUT" >"$INDEX_FILE"
zc_show --as "$ADMIN" index load "$PLAN" "$INDEX_FILE"
zc index show "$PLAN" --json
printf '%s' "$OUT" >"$RUN_DIR/index.json"
zc export "$PLAN" --format json
# One line per leaf: code, type (scored/met), the office's self-score, the 组长's and the other
# expert's marks, the consolidated mark, the current evidence of its measures (ids, at most the
# 20 a self-score links), its measures. Marks are a share of the points: most near full, every
# fourth lower, the experts a little stricter than the office.
printf '%s' "$OUT" | "$PY" -c '
import json, sys
from decimal import ROUND_HALF_UP, Decimal

import yaml

index_file, index_json = sys.argv[1], sys.argv[2]
with open(index_file, encoding="utf-8") as fh:
    mapped = {i["code"]: [str(r) for r in i.get("measures") or []] for i in yaml.safe_load(fh)["indicators"]}
evidence = {
    m["ref"]: [e["id"] for item in m["checklist"] for e in item["evidence"] if e["current"]]
    for m in json.load(sys.stdin)["measures"]
}
with open(index_json, encoding="utf-8") as fh:
    leaves = [line for line in json.load(fh)["indicators"] if line["leaf"]]
cent = Decimal("0.01")


def share(points, percent):
    return str((points * percent / 100).quantize(cent, ROUND_HALF_UP))


for n, line in enumerate(leaves):
    points, refs = Decimal(line["points"]), mapped[line["code"]]
    ids = [str(i) for ref in refs for i in evidence.get(ref, [])][:20]
    own = 96 if n % 4 else 88
    marks = [own, own - 2 - n % 3, own - 4 + n % 2]
    if line["type"] == "met":
        row = ["met"] * 5
    else:
        row = [line["type"]] + [share(points, p) for p in marks]
        row.append(str(((Decimal(row[2]) + Decimal(row[3])) / 2).quantize(cent, ROUND_HALF_UP)))
    print("\t".join([line["code"], *row, ",".join(ids), "、".join(refs) or "-"]))
' "$INDEX_FILE" "$RUN_DIR/index.json" >"$RUN_DIR/leaves.tsv"
mapfile -t LEAVES <"$RUN_DIR/leaves.tsv"
((${#LEAVES[@]} > 0)) || zc_die "评价指标体系中没有末级指标"

# mark TYPE VALUE: the options of one mark, in MARK (--met for a 达标 indicator, else --points).
mark() {
    if [[ "$1" == met ]]; then MARK=(--met); else MARK=(--points "$2"); fi
}

for line in "${LEAVES[@]}"; do
    IFS=$'\t' read -r code type own _ _ _ ids refs <<<"$line"
    mark "$type" "$own"
    EVIDENCE_ARGS=()
    IFS=, read -r -a id_list <<<"$ids"
    for id in "${id_list[@]}"; do EVIDENCE_ARGS+=(--evidence "$id"); done
    zc --as "$ADMIN" score self "$PLAN" "$code" "${MARK[@]}" "${EVIDENCE_ARGS[@]}" \
        --statement "措施 ${refs} 已完成并经区级初审、市级验收,佐证材料见所附编号"
done
zc_show index show "$PLAN"
REPORTS="$RUN_DIR/报告"
mkdir -p "$REPORTS"
zc_show --as "$ADMIN" report selfassessment "$PLAN" -o "$REPORTS/自评报告.pdf"
zc_show --as "$ADMIN" report selfassessment "$PLAN" -o "$REPORTS/自评报告.docx"

# 4.2 The formal review (形式审查), on a fixed day so that the demo keeps working in later years.
zc_log "4.2 形式审查:告知日期固定为 $FORMAL_TODAY(不取运行当天的日期),补正期限 $FORMAL_DAYS 个工作日(按 chinesecalendar 的节假日与调休计算)"
zc_show --as "$REVIEWER" formal open "$PLAN" --days "$FORMAL_DAYS" --today "$FORMAL_TODAY"
zc_show --as "$REVIEWER" formal gaps "$PLAN"
NOTICES="$RUN_DIR/一次性告知书"
zc_show --as "$REVIEWER" formal notices "$PLAN" -o "$NOTICES" --number "嘉知保办〔2024〕"
shopt -s nullglob
NOTICE_FILES=("$NOTICES"/*.pdf)
shopt -u nullglob
((${#NOTICE_FILES[@]} == 1)) || zc_die "应只有${GAP_UNIT}一份告知书,实际为 ${#NOTICE_FILES[@]} 份:${NOTICE_FILES[*]}"

# The measure was accepted, so its evidence is closed: the office reopens it for the supply,
# the unit hands its share in, and the measure goes through both review levels again.
IFS=$'\t' read -r _ GAP_LEAD GAP_ITEMS _ <<<"$(grep -m1 "^$GAP_REF"$'\t' "$RUN_DIR/measures.tsv")"
zc_show --as "$REVIEWER" review reopen "$PLAN/$GAP_REF" \
    --reason "形式审查:${GAP_UNIT}未提交本单位的佐证材料,重新打开以便补正"
zc_log "${GAP_UNIT}补交材料:补正期限是 2024 年的日子,而补交按真实时钟记在今天,已过期限,所以记为逾期;逾期的材料照收,按现状评审"
for ((i = 1; i <= GAP_ITEMS; i++)); do
    zc_show --as "$(member "$GAP_UNIT")" evidence add "$PLAN/$GAP_REF" --item "$i" \
        "$FILES/$GAP_REF/$GAP_UNIT-第${i}项.pdf" --date "$DOC_DATE" --note "${GAP_UNIT}补正材料"
done
zc --as "$(member "$GAP_LEAD")" selfcheck "$PLAN/$GAP_REF" --statement "已按形式审查告知补充${GAP_UNIT}的材料"
zc --as "$REVIEWER" review accept "$PLAN/$GAP_REF" --comment "区级初审:补正后材料齐全"
zc --as "$CITY_REVIEWER" review accept "$PLAN/$GAP_REF" --score 90 --comment "市级验收:同意验收"
zc_show --as "$REVIEWER" formal status "$PLAN"
zc --as "$REVIEWER" formal status "$PLAN" --json
read -r LATE_SUPPLIES <<<"$(printf '%s' "$OUT" | "$PY" -c '
import json, sys
print(sum(s["late"] for s in json.load(sys.stdin)["supplies"]))
')"
((LATE_SUPPLIES > 0)) || zc_die "补交的材料应记为逾期"
zc_show --as "$REVIEWER" formal close "$PLAN"

# 4.3 The expert panel of a third-party organisation, its on-site check, scores and opinions.
zc_log "4.3 专家组(${EXPERT_ORG}组织):现场核查、独立评分、专家意见与专家组意见"
zc --as "$ADMIN" user add "$LEADER" --role expert --org "$EXPERT_ORG"
zc --as "$ADMIN" user add "$EXPERT2" --role expert --org "$EXPERT_ORG"
zc --as "$ADMIN" user add "$CONFLICTED_EXPERT" --role expert --org "$CONFLICTED_UNIT"
zc_show --as "$ADMIN" expert assign "$PLAN" "$LEADER" --leader
zc_show --as "$ADMIN" expert assign "$PLAN" "$EXPERT2"
expect_refusal "须回避" --as "$ADMIN" expert assign "$PLAN" "$CONFLICTED_EXPERT"

SITE_FILES="$RUN_DIR/现场核查"
mkdir -p "$SITE_FILES"
PHOTO="$SITE_FILES/听取工作汇报.png"
"$PY" -c '
import os, sys
sys.path.insert(0, os.path.join(os.environ["ZC_ROOT"], "scripts"))
from demo_files import png
with open(sys.argv[1], "wb") as fh:
    fh.write(png("嘉定区现场核查 听取工作汇报", size=64))
' "$PHOTO"
zc_show --as "$LEADER" site record "$PLAN" --date "$SITE_DATE" --place "嘉定区人民政府" \
    --participant "$LEADER|组长" --participant "$EXPERT2|专家" --participant "$ADMIN|区知识产权联席会议办公室" \
    --visit 区市场监管局 --visit 区法院 --visit "$GAP_UNIT" \
    --document "区知识产权联席会议纪要" --document "知识产权行政执法案件台账" \
    --sample "安亭镇某汽车零部件企业|专利管理制度与维权台账|已建立,台账完整" \
    --sample "嘉定新城某商场|“销售真牌真品”承诺公示|已公示" \
    --findings "听取了区知识产权联席会议办公室的工作汇报,查阅了会议纪要和执法台账,走访了三家责任单位并抽查两处;机制健全,台账完整,${GAP_UNIT}的补正材料已核实" \
    --conclusion 达标
zc site list "$PLAN" --json
SITE_ID="$(printf '%s' "$OUT" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["checks"][-1]["id"])')"
zc_show --as "$LEADER" site photo "$SITE_ID" "$PHOTO" --caption "听取嘉定区工作汇报" --taken-on "$SITE_DATE"

# expert_scores NAME COLUMN: the expert marks every leaf, in its own subshell (the marks are
# column 3, the 组长's, or 4, the other expert's, of leaves.tsv); leaves its counts in $LOGS.
expert_scores() {
    local who="$1" column="$2" line fields
    (
        CALLS=0 REFUSALS=0
        for line in "${LEAVES[@]}"; do
            IFS=$'\t' read -r -a fields <<<"$line"
            mark "${fields[1]}" "${fields[$column]}"
            zc --as "$who" score expert "$PLAN" "${fields[0]}" "${MARK[@]}" --comment "材料与现场核查情况相符"
        done
        printf '%d %d\n' "$CALLS" "$REFUSALS" >"$LOGS/expert-$who.count"
    ) >"$LOGS/expert-$who.log" 2>&1
}
# expert_done NAME RC: stop the run if the expert's scoring failed, else add up its counts.
expert_done() {
    local calls refusals
    if (($2 != 0)); then
        cat "$LOGS/expert-$1.log" >&2
        zc_die "专家$1未能完成评分(退出码 $2,见上)"
    fi
    read -r calls refusals <"$LOGS/expert-$1.count"
    CALLS=$((CALLS + calls))
    REFUSALS=$((REFUSALS + refusals))
}
# The two experts score independently: at the same time when JOBS allows.
LEADER_RC=0 EXPERT2_RC=0
if ((JOBS > 1)); then
    expert_scores "$LEADER" 3 &
    LEADER_PID=$!
    expert_scores "$EXPERT2" 4 &
    wait $! || EXPERT2_RC=$?
    wait "$LEADER_PID" || LEADER_RC=$?
else
    expert_scores "$LEADER" 3 || LEADER_RC=$?
    expert_scores "$EXPERT2" 4 || EXPERT2_RC=$?
fi
expert_done "$LEADER" "$LEADER_RC"
expert_done "$EXPERT2" "$EXPERT2_RC"
for line in "${LEAVES[@]}"; do
    IFS=$'\t' read -r code type _ _ _ final _ <<<"$line"
    mark "$type" "$final"
    zc --as "$LEADER" score final "$PLAN" "$code" "${MARK[@]}" --comment "两位专家评分的平均"
done
zc --as "$EXPERT2" opinion write "$PLAN" --text "嘉定区各项措施均已完成,佐证材料齐全;建议进一步加强知识产权保护宣传教育的覆盖面。"
zc --as "$LEADER" opinion write "$PLAN" --text "工作机制健全,行政与司法保护衔接顺畅,现场核查情况与材料相符。"
zc --as "$LEADER" opinion write "$PLAN" --panel \
    --text "专家组经审阅材料、现场核查和独立评分,认为嘉定区已完成实施方案确定的各项任务,同意通过验收。"
zc_show --as "$LEADER" score finalise "$PLAN"
zc_show --as "$ADMIN" expert list "$PLAN"
zc status "$PLAN" --json
read -r SELF_SCORE EXPERT_SCORE GRADE <<<"$(printf '%s' "$OUT" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)["score"]
print(s["self"], s["expert"], s["grade"])
')"
[[ "$EXPERT_SCORE" != None && "$GRADE" != None ]] || zc_die "专家评分后应有专家得分与等次:$OUT"

# 4.4 The acceptance report, signed with a throwaway demonstration certificate.
zc_log "4.4 签章的验收报告:现场生成一次性的演示用证书(演示用,不具法律效力),仅在这一步设置 ZONECHECK_SIGN_*"
CERTS="$RUN_DIR/演示用证书"
mkdir -p "$CERTS"
"$PY" "$ZC_ROOT/scripts/demo_certs.py" "$CERTS" "上海市嘉定区知识产权局(演示)" "$ADMIN" >/dev/null
# render_time: the time the last report command says it took (“用时 N 秒”).
render_time() {
    [[ "$OUT" =~ 用时\ ([0-9.]+)\ 秒 ]] || zc_die "报告命令的输出中没有用时:$OUT"
    printf '%s' "${BASH_REMATCH[1]}"
}
zc --as "$ADMIN" report acceptance "$PLAN" -o "$REPORTS/验收报告(未签章).pdf"
UNSIGNED_SECONDS="$(render_time)"
export ZONECHECK_SIGN_P12="$CERTS/演示用证书.p12"
export ZONECHECK_SIGN_P12_PASSWORD_FILE="$CERTS/演示用证书.pw"
export ZONECHECK_SIGN_TRUST="$CERTS/演示用根证书.pem"
zc_show --as "$ADMIN" report acceptance "$PLAN" -o "$REPORTS/验收报告(签章).pdf"
SIGNED_SECONDS="$(render_time)"
zc_show --as "$ADMIN" report verify "$REPORTS/验收报告(签章).pdf"
unset ZONECHECK_SIGN_P12 ZONECHECK_SIGN_P12_PASSWORD_FILE ZONECHECK_SIGN_TRUST
zc_show --as "$ADMIN" report acceptance "$PLAN" -o "$REPORTS/验收报告.docx"
DOCX_SECONDS="$(render_time)"
zc_show --as "$ADMIN" report summary "$PLAN" -o "$REPORTS/验收汇总表.xlsx"

# --- 5. results --------------------------------------------------------------------------------

zc_log "5. 结果"
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

# --- 6. the day's reminders, delivered to a local mail catcher ---------------------------------

# The Jiading plan is all accepted by now and its measures carry no dated deadlines, so the
# district also takes on a plan with fixed and annual deadlines (seed 000, 2023–2025) and the
# day's reminders are run for a day on which some of its items are due or overdue. The
# catcher is started here and stopped on any exit, so no process is left behind.
zc_log "6. 督办提醒:本地邮件接收器收取当天的提醒"
[[ -f "$SEEDS/$REMINDER_SEED.txt" ]] || zc_die "找不到方案 $SEEDS/$REMINDER_SEED.txt"
zc_show import "$SEEDS/$REMINDER_SEED.txt" --zone "$DISTRICT"
MAILDIR="$RUN_DIR/邮件"
"$PY" "$ZC_ROOT/scripts/mail_catcher.py" "$MAILDIR" "$RUN_DIR/mail.port" &
CATCHER_PID=$!
trap 'kill "$CATCHER_PID" 2>/dev/null || true; wait "$CATCHER_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s "$RUN_DIR/mail.port" ]] && break; sleep 0.1; done
[[ -s "$RUN_DIR/mail.port" ]] || zc_die "本地邮件接收器未能启动"
MAIL_PORT="$(cat "$RUN_DIR/mail.port")"
for unit in "${!REMINDER_MAIL[@]}"; do
    zc --as "$ADMIN" user edit "$(member "$unit")" --email "${REMINDER_MAIL[$unit]}@jiading.example.gov.cn"
done
zc --as "$ADMIN" user edit "$ADMIN" --email "duban@jiading.example.gov.cn"
zc_show --as "$ADMIN" escalation show
ZONECHECK_SMTP="smtp://127.0.0.1:$MAIL_PORT" ZONECHECK_SMTP_FROM="督办 <duban@jiading.example.gov.cn>" \
    zc_show notify run --today "$REMINDER_TODAY"
zc_show --as "$ADMIN" overdue "$REMINDER_SEED" --today "$REMINDER_TODAY"
read -r MAILS MAIL_SUBJECT <<<"$("$PY" - "$MAILDIR" <<'PYEOF'
import mailbox
import sys
from email.header import decode_header, make_header

box = mailbox.Maildir(sys.argv[1], create=False)
subjects = sorted(str(make_header(decode_header(m["Subject"]))) for m in box)
print(len(subjects), subjects[0] if subjects else "")
PYEOF
)"
((MAILS > 0)) || zc_die "本地邮件接收器没有收到督办提醒"
kill "$CATCHER_PID" && wait "$CATCHER_PID" 2>/dev/null || true
trap - EXIT

cat <<EOF

==================== 嘉定区全流程演示:完成 ====================
方案:嘉定区建设上海市知识产权保护示范区实施方案($PLAN)
措施:共 $TOTAL 项(22 项任务 + 4 项保障措施),已验收 $ACCEPTED 项,验收率 $RATE,平均分 $AVERAGE
退回整改:措施 $RETURN_REF 退回后由${RETURN_UNIT}替换材料、重新自查,已验收
按规则拒绝:$REFUSALS 次(跨单位办理措施 $CROSS_REF;${CONFLICTED_UNIT}的审核人审核本单位措施,须回避;区审核人代行市级验收;${CONFLICTED_UNIT}的专家进入专家组,须回避)
评价指标体系:示例指标体系 ${#LEAVES[@]} 项末级指标;自评 $SELF_SCORE 分,专家组评分 $EXPERT_SCORE 分,等次 $GRADE
形式审查:$FORMAL_TODAY 告知,${GAP_UNIT}一份一次性告知书;其补正材料逾期 $LATE_SUPPLIES 份(照收),审查已结束
专家组:$LEADER(组长)、$EXPERT2(${EXPERT_ORG});现场核查 1 次(含照片),专家意见与专家组意见,评分已确认
自评报告(PDF、Word)、验收报告(签章 PDF、Word)与验收汇总表(Excel)见 $REPORTS;签章 PDF 经 report verify 校验有效
验收报告生成用时:PDF 未签章 $UNSIGNED_SECONDS 秒,PDF 签章 $SIGNED_SECONDS 秒(演示用证书,不具法律效力),Word $DOCX_SECONDS 秒
督办提醒:$REMINDER_TODAY 按三色督办规则向各责任单位与办公室发出,本地邮件接收器收到 $MAILS 封,例如“$MAIL_SUBJECT”
审计日志与佐证材料校验均通过;共调用 zonecheck $CALLS 次,用时 ${SECONDS} 秒
数据目录:$ZONECHECK_HOME${ZONECHECK_DB:+(数据库为 ZONECHECK_DB 所指的数据库)}
继续查看:ZONECHECK_HOME=$ZONECHECK_HOME zonecheck status $PLAN${ZONECHECK_DB:+(同时设置同一 ZONECHECK_DB)}
EOF
exit 0
}
