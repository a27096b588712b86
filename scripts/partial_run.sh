#!/usr/bin/env bash
# Plans 000 (武汉), 001 (江西), 002 (许昌) and 004 (济南) in a realistic partial state, through
# the zonecheck CLI alone, in a data folder that already holds the five seed plans.
#
#   scripts/partial_run.sh [DATA_FOLDER]
#
# DATA_FOLDER (default: $ZONECHECK_HOME, else ./zonecheck-data) must be as `make demo` leaves it
# after the import: the seed plans imported, nobody added yet, every measure of the four plans
# 未启动. Otherwise the run stops before changing anything. It runs once per data folder.
# Jiading (003) is left alone: scripts/jiading_full_run.sh takes it through the whole cycle.
#
# What it does, per plan (the plans are worked on side by side, see JOBS):
#   - each plan's zone (as scripts/demo.sh imports them) gets its admin, who adds its people;
#   - 000 武汉: people of five units; measure 7 (每年4月底前) evidenced for 2024 and 2025 and
#     accepted, 13 accepted, 3 refused a self-check while 区司法局's part is open, then
#     self-checked and returned for rectification (整改中), 12 self-checked, 24 in progress;
#   - 001 江西 and 004 济南 (no units in the documents): the office assigns units to a few
#     measures in catalogs/<key>.yaml and imports it again; then one measure accepted, one
#     returned (整改中), one self-checked, one in progress; 江西 reports an indicator value, 济南
#     one for measure 8; one refusal each (a co-unit submitting, a unit starting another's
#     measure);
#   - 002 许昌: the office gives the 3 safeguards to 市知识产权战略实施工作联席会议办公室 in the
#     catalog, maps 各县(市、区)政府(管委会) to 魏都区人民政府; measure 4 (four units' parts)
#     accepted, S1 self-checked, S3 returned (整改中), 14 in progress; two indicator values
#     reported as of 2024-12-31 (one met, one not);
#   - evidence: small real PDF and PNG files generated in DATA_FOLDER/partial-run/材料, with
#     their 成文日期 (--date) inside each plan's period; self-checks and reviews on fixed days
#     (--today) of each plan's own timeline;
#   - at the end: the counts per state checked, audit verify, evidence verify, and the status
#     of each of the four plans.
#
# Any step meant to succeed that fails stops the run (its output is shown); a step meant to be
# refused must exit 1 with a one-line “错误:…” naming the reason, or the run stops.
#
# Environment:
#   ZONECHECK_HOME      the data folder when DATA_FOLDER is not given
#   ZONECHECK_DB=URL    the database, when it is not the SQLite file in the data folder
#   JOBS=N              plans worked on at the same time (default: the number of CPUs;
#                       JOBS=1 works on them one after another)
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
        sed -n '2,41p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
esac
(($# <= 1)) || zc_die "用法:scripts/partial_run.sh [数据目录]"

# --- the scenario (the same as tests/support/demo_state.py) -----------------------------------

PREFIXES=(000 001 002 004)
# Each plan is in its own zone (see scripts/demo.sh), whose office has its own admin.
declare -A ADMINS=([000]=周主任 [001]=程立新 [002]=许文博 [004]=孟庆国)
DEMO_PASSWORD="${ZONECHECK_DEMO_PASSWORD:-zonecheck-demo}"
# Counts per state after the run: planned in_progress self_checked accepted rectifying
# (in_progress includes the measures 整改中).
declare -A EXPECTED=(
    [000]="65 2 1 2 1"
    [001]="22 2 1 1 1"
    [002]="16 2 1 1 1"
    [004]="23 2 1 1 1"
)
declare -A PLAN_NAMES=([000]=武汉 [001]=江西 [002]=许昌 [004]=济南)

# --- folders, commands, safety checks ----------------------------------------------------------

ZC_BIN="$(command -v zonecheck || true)"
[[ -n "$ZC_BIN" ]] || ZC_BIN="$ZC_ROOT/.venv/bin/zonecheck"
[[ -x "$ZC_BIN" ]] || zc_die "找不到 zonecheck:PATH 中没有,$ZC_ROOT/.venv/bin 中也没有(先运行 make demo)"
PY="$(dirname "$ZC_BIN")/python"
[[ -x "$PY" ]] || PY="$(command -v python3)"

DATA="${1:-${ZONECHECK_HOME:-zonecheck-data}}"
[[ -d "$DATA" ]] || zc_die "数据目录 $DATA 不存在;请先导入种子方案(make demo)"
ZONECHECK_HOME="$(cd "$DATA" && pwd)"
export ZONECHECK_HOME
WORK="$ZONECHECK_HOME/partial-run"
FILES="$WORK/材料"
LOGS="$WORK/logs"
source "$ZC_ROOT/scripts/run_lib.sh"

zc_log "数据目录 $ZONECHECK_HOME${ZONECHECK_DB:+(数据库为 ZONECHECK_DB 所指的数据库)};zonecheck:$ZC_BIN"

# Only a freshly imported data folder: the four plans there, untouched, and nobody added yet.
zc plans --json
declare -A KEYS=() ZONES=()
while IFS=$'\t' read -r prefix key fresh zone; do
    [[ "$fresh" == 1 ]] ||
        zc_die "方案 $key 已有办理记录;本脚本只用于刚导入种子方案的数据目录(重新开始:删除 $ZONECHECK_HOME 后运行 make demo)"
    KEYS[$prefix]="$key"
    ZONES[$prefix]="$zone"
done < <(printf '%s' "$OUT" | "$PY" -c '
import json, sys
for p in json.load(sys.stdin):
    if p["key"][:3] in sys.argv[1:]:
        print(p["key"][:3], p["key"], int(set(p["states"]) == {"planned"}), p["zone"], sep="\t")
' "${PREFIXES[@]}")
for prefix in "${PREFIXES[@]}"; do
    [[ -n "${KEYS[$prefix]:-}" ]] ||
        zc_die "数据目录中没有种子方案 ${prefix}_*;请先导入 ../shared/seeds 中的五个方案(make demo)"
done
zc user list --json
[[ "$(printf '%s' "$OUT" | tr -d '[:space:]')" == "[]" ]] ||
    zc_die "数据目录中已有人员;本脚本只用于刚导入种子方案的数据目录(重新开始:删除 $ZONECHECK_HOME 后运行 make demo)"

rm -rf "$WORK" # the run's own folder (generated files, logs), never anything else
mkdir -p "$FILES" "$LOGS"

# --- helpers of the plans' work (each plan's job sets PLAN, KEY and the plan's dates) ----------

# Writes small real files: NAME.png a PNG, anything else a one-page PDF; contents differ by LABEL.
read -r -d '' GEN_FILES <<'PYEOF' || true
import os, sys

sys.path.insert(0, os.path.join(os.environ["ZC_ROOT"], "scripts"))
from demo_files import pdf, png

folder, label, names = sys.argv[1], sys.argv[2], sys.argv[3:]


def evidence_pdf(title: str) -> bytes:
    return pdf(title, ["IP protection demonstration zone - evidence", "ref " + title.encode().hex()[:48]])


os.makedirs(folder, exist_ok=True)
for name in names:
    title = f"{label} {name}"
    with open(os.path.join(folder, name), "wb") as fh:
        fh.write(png(title) if name.endswith(".png") else evidence_pdf(title))
    print(os.path.join(folder, name))
PYEOF

# Assigns units to measures in a catalog, keeping the rest of the file as it is (round trip).
# Arguments: CATALOG, then REF=UNIT:ROLE[,UNIT:ROLE…] per measure (ROLE lead or co).
read -r -d '' ASSIGN_UNITS <<'PYEOF' || true
import sys
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

path, specs = sys.argv[1], sys.argv[2:]
yaml = YAML(typ="rt")
yaml.allow_unicode = True
yaml.width = 4096
yaml.indent(mapping=2, sequence=4, offset=2)
with open(path, encoding="utf-8") as fh:
    data = yaml.load(fh)
prefixes = {"measure": "", "safeguard": "S", "outcome": "O"}
measures = {prefixes[m["kind"]] + str(m["number"]): m for m in data["measures"]}
for spec in specs:
    ref, _, units = spec.partition("=")
    measure = measures.get(ref)
    if measure is None:
        sys.exit(f"{path}: no measure {ref}")
    if measure["units"]:
        sys.exit(f"{path}: measure {ref} already names units")
    pairs = [u.split(":") for u in units.split(",")]
    measure["units"] = [CommentedMap([("name", name), ("role", role)]) for name, role in pairs]
    lead = "、".join(name for name, role in pairs if role == "lead")
    co = "、".join(name for name, role in pairs if role != "lead")
    measure["units_text"] = f"{lead}牵头" + (f",{co}配合" if co else "")
with open(path, "w", encoding="utf-8") as fh:
    yaml.dump(data, fh)
PYEOF

BATCH=0
m() { printf '%s/%s' "$KEY" "$1"; }
# Everybody gets the demo password, so the web pages (make serve) can be tried at once.
passwd_of() { printf '%s\n' "$DEMO_PASSWORD" | zc --as "$ADMIN" user passwd "$1"; }
person() {
    zc --as "$ADMIN" user add "$@"
    passwd_of "$1"
}
start() { zc --as "$1" start "$(m "$2")"; }
part() { zc --as "$1" part done "$(m "$2")"; }

# files REF ITEM NAME...: generate the files, leave their paths in the array PATHS.
files() {
    local ref="$1" item="$2"
    shift 2
    BATCH=$((BATCH + 1))
    mapfile -t PATHS < <("$PY" -c "$GEN_FILES" "$FILES/$PLAN/$ref/$(printf '%03d' "$BATCH")" \
        "$KEY/$ref 第${item}项 #$BATCH" "$@")
    (($# == ${#PATHS[@]})) || zc_die "未能生成佐证文件:$*"
}

# ev WHO REF ITEM DATE NOTE NAME...: the unit hands in files for one checklist item.
ev() {
    local who="$1" ref="$2" item="$3" date="$4" note="$5"
    shift 5
    files "$ref" "$item" "$@"
    zc --as "$who" evidence add "$(m "$ref")" --item "$item" "${PATHS[@]}" --date "$date" --note "$note"
}

# selfcheck WHO REF STATEMENT: the lead unit submits, on the plan's self-check day.
selfcheck() { zc --as "$1" selfcheck "$(m "$2")" --statement "$3" --today "$SELFCHECK_DAY"; }
accept() { zc --as "$1" review accept "$(m "$2")" --score "$3" --comment "$4"; }

# give_back WHO REF DUE COMMENT: returned for rectification on the plan's review day.
give_back() {
    zc_show --as "$1" review return "$(m "$2")" --today "$REVIEW_DAY" --due "$3" --comment "$4"
}

# assign_units REF=UNIT:ROLE[,…]...: the office's catalog edit, imported again.
assign_units() {
    local catalog="$ZONECHECK_HOME/catalogs/$KEY.yaml"
    [[ -f "$catalog" ]] || zc_die "找不到方案目录文件 $catalog"
    "$PY" -c "$ASSIGN_UNITS" "$catalog" "$@" || zc_die "未能修改方案目录文件 $catalog"
    zc_show import "$catalog"
    [[ "$OUT" == *"[已更新]"* ]] || zc_die "方案目录 $catalog 重新导入后未更新"
}

done_line() { printf '  %-4s %s\n' "$1" "$2"; }

# --- 000 武汉: plan period 2024-01-31 .. 2025-12-31 ---------------------------------------------

plan_000() {
    SELFCHECK_DAY=2025-12-10 REVIEW_DAY=2025-12-12
    local reviewer=黄志强 market=张卫东 justice=李晓梅 office=赵敏 court=刘洋
    person "$reviewer" --role reviewer
    person "$market" --unit 区市场监管局
    person "$justice" --unit 区司法局
    person "$office" --unit 区知识产权工作领导小组办公室
    person "$court" --unit 区法院

    # 7 (每年4月底前): evidence dated in 2024 and in 2025 meets both years.
    start "$office" 7
    ev "$office" 7 1 2024-04-20 "2024年度知识产权发展状况白皮书宣传" 2024年度白皮书宣传报道.pdf
    ev "$office" 7 1 2025-04-25 "2025年度知识产权发展状况白皮书宣传" 2025年度白皮书宣传报道.pdf 宣传活动现场.png
    part "$office" 7
    selfcheck "$office" 7 "2024、2025年度均已按时配合宣传知识产权发展状况白皮书"
    accept "$reviewer" 7 93 "两个年度的宣传材料齐全,同意验收"
    done_line 7 "白皮书宣传(每年4月底前,2024、2025年度均有材料):已验收"

    start "$market" 13
    ev "$market" 13 1 2025-06-30 "行政裁决规范化建设材料" 专利侵权纠纷行政裁决案件台账.pdf 行政裁决文书样本.pdf
    part "$market" 13
    selfcheck "$market" 13 "已完成专利侵权纠纷行政裁决规范化建设,形成案件台账"
    accept "$reviewer" 13 88 "台账规范,同意验收"
    done_line 13 "专利侵权纠纷行政裁决规范化建设:已验收"

    start "$market" 3
    ev "$market" 3 1 2025-09-15 "配合条例修订的书面意见" 条例修订意见.pdf 修订座谈会照片.png
    part "$market" 3
    expect_refusal "尚未标记完成" --as "$market" selfcheck "$(m 3)" --statement "已配合完成条例修订" \
        --today "$SELFCHECK_DAY"
    ev "$justice" 3 1 2025-10-10 "区司法局合法性审查意见" 合法性审查意见.pdf
    part "$justice" 3
    selfcheck "$market" 3 "已配合完成条例修订并组织实施"
    give_back "$reviewer" 3 2026-01-31 "缺少条例实施以来的执法数据和典型案例,请补充后重新提交"
    done_line 3 "配合修订《武汉市知识产权促进和保护条例》:退回整改(整改中)"

    start "$market" 12
    ev "$market" 12 1 2025-08-20 "分级负责的行政执法体系" 分级执法工作方案.pdf 执法检查照片.png
    part "$market" 12
    selfcheck "$market" 12 "分级负责、重心下沉的行政执法体系已建立"
    done_line 12 "分级负责、重心下沉的行政执法体系:已自查,待审核"

    start "$court" 24
    ev "$court" 24 1 2025-05-12 "诉调对接工作方案(初稿)" 诉调对接工作方案.pdf
    done_line 24 "知识产权纠纷诉调对接机制:推进中"
}

# --- 001 江西: no units in the document; issued 2020-06-04, targets for 2025 -------------------

plan_001() {
    SELFCHECK_DAY=2025-10-15 REVIEW_DAY=2025-10-20
    assign_units "6=省发展改革委:lead,省市场监督管理局:co" "13=省市场监督管理局:lead" \
        "16=省高级人民法院:lead" "18=省商务厅:lead" "S2=省财政厅:lead"
    local reviewer=邓丽华 market=江涛 court=罗芳 reform=熊伟 commerce=胡静
    person "$reviewer" --role reviewer
    person "$market" --unit 省市场监督管理局
    person "$court" --unit 省高级人民法院
    person "$reform" --unit 省发展改革委
    person "$commerce" --unit 省商务厅

    start "$market" 13
    ev "$market" 13 1 2025-04-18 "快保护机制建设材料" 快速维权工作机制.pdf 维权援助现场.png
    part "$market" 13
    selfcheck "$market" 13 "已建立知识产权快速执法维权机制"
    accept "$reviewer" 13 90 "机制健全,同意验收"
    done_line 13 "健全知识产权快速执法维权机制:已验收"

    start "$court" 16
    ev "$court" 16 1 2025-06-05 "技术调查官制度" 技术调查官管理办法.pdf 技术调查官名册.pdf
    part "$court" 16
    selfcheck "$court" 16 "已出台技术调查官管理办法并组建名册"
    done_line 16 "探索建立知识产权技术调查官制度:已自查,待审核"

    start "$reform" 6
    ev "$reform" 6 1 2025-05-20 "信用分级分类监管" 信用监管实施方案.pdf
    ev "$market" 6 2 2025-07-08 "知识产权中介机构信用管理" 中介机构信用管理办法.pdf 信用监管培训照片.png
    part "$reform" 6
    part "$market" 6
    expect_refusal "只有牵头单位" --as "$market" selfcheck "$(m 6)" --statement "信用监管机制已建立" \
        --today "$SELFCHECK_DAY"
    selfcheck "$reform" 6 "知识产权保护信用监管机制已建立"
    give_back "$reviewer" 6 2025-11-30 "未见侵权违法案件信息推送至公共信用信息平台的记录,请补充"
    done_line 6 "健全知识产权保护信用监管机制:退回整改(整改中)"

    start "$commerce" 18
    ev "$commerce" 18 1 2025-08-12 "海外知识产权信息平台(建设中)" 海外维权信息平台建设方案.pdf
    done_line 18 "建立海外知识产权协调和信息获取机制:推进中"

    zc_show --as "$market" indicator report "$KEY" 1 2 --as-of 2024-12-31 \
        --link https://www.example.gov.cn/jiangxi/zscq/baohu-zhongxin-2024.html \
        --note "截至2024年底已建成国家级知识产权保护中心2个"
}

# --- 002 许昌: numeric targets due 2024-12-31 ----------------------------------------------------

plan_002() {
    SELFCHECK_DAY=2025-01-15 REVIEW_DAY=2025-01-20
    local office_unit=市知识产权战略实施工作联席会议办公室 county_unit=魏都区人民政府
    assign_units "S1=$office_unit:lead" "S2=$office_unit:lead" "S3=$office_unit:lead"
    zc --as "$ADMIN" unit add "$county_unit"
    zc_show --as "$ADMIN" unit group "各县(市、区)政府(管委会)" --add "$county_unit"
    local reviewer=孙海涛 office=周倩 market=李红 industry=高峰 science=杨帆 county=郑凯 who
    person "$reviewer" --role reviewer
    person "$office" --unit "$office_unit"
    person "$market" --unit 市市场监督管理局
    person "$industry" --unit 市工业和信息化局
    person "$science" --unit 市科学技术局
    person "$county" --unit "$county_unit"

    # 4: lead 市市场监督管理局, co 工信局 and 科技局, and the county: four parts.
    start "$market" 4
    ev "$market" 4 1 2024-06-18 "知识产权强企培育" 知识产权强企培育名单.pdf 企业走访照片.png
    ev "$industry" 4 2 2024-07-02 "专精特新企业指导" 专精特新企业知识产权指导记录.pdf
    ev "$science" 4 3 2024-09-10 "高新技术企业培育" 高新技术企业培育台账.pdf
    for who in "$market" "$industry" "$science" "$county"; do
        part "$who" 4
    done
    selfcheck "$market" 4 "三项任务均已完成,新增各级知识产权强企4家"
    accept "$reviewer" 4 91 "培育成效明显,同意验收"
    done_line 4 "培育壮大知识产权创新主体(4 个责任单位):已验收"

    start "$office" S1
    ev "$office" S1 1 2024-03-08 "联席会议成员调整" 联席会议成员调整通知.pdf
    ev "$office" S1 2 2024-05-20 "县区任务落实" 县区工作推进会纪要.pdf 推进会照片.png
    part "$office" S1
    selfcheck "$office" S1 "联席会议成员已调整,县区任务已分解落实"
    done_line S1 "加强组织领导:已自查,待审核"

    start "$office" S3
    ev "$office" S3 1 2024-11-28 "年度督促检查" 督促检查工作方案.pdf
    ev "$office" S3 2 2024-12-05 "县区任务落实情况" 县区任务落实情况通报.pdf
    part "$office" S3
    selfcheck "$office" S3 "已开展年度督促检查并通报县区落实情况"
    give_back "$reviewer" S3 2025-02-28 "缺少考核评估结果及向市委、市政府报告的材料,请补充"
    done_line S3 "强化督促检查:退回整改(整改中)"

    start "$market" 14
    done_line 14 "推进品牌提升和运用保护:推进中"

    files 指标1 1 2024年知识产权统计公报.pdf
    zc_show --as "$market" indicator report "$KEY" 1 3712 --as-of 2024-12-31 --file "${PATHS[0]}" \
        --note "2024年全市有效发明专利拥有量"
    zc_show --as "$market" indicator report "$KEY" 6 8500万 --as-of 2024-12-31 \
        --link https://www.example.gov.cn/xuchang/jinrong/zhiya-2024.html --note "2024年知识产权质押融资额"
}

# --- 004 济南: no units in the document; review preparation in 2026-02 ---------------------------

plan_004() {
    SELFCHECK_DAY=2026-02-05 REVIEW_DAY=2026-02-10
    assign_units "2=济南市市场监管局:lead" "3=济南市市场监管局:lead,济南市司法局:co" "5=济南海关:lead" \
        "8=济南市司法局:lead,济南市中级人民法院:co" "15=济南市商务局:lead" "17=济南市科学技术局:lead"
    local reviewer=马文静 justice=孔祥瑞 market=田甜 science=牛博 customs=韩冰
    person "$reviewer" --role reviewer
    person "$justice" --unit 济南市司法局
    person "$market" --unit 济南市市场监管局
    person "$science" --unit 济南市科学技术局
    person "$customs" --unit 济南海关

    expect_refusal "不是措施" --as "$customs" start "$(m 3)"
    start "$market" 3
    ev "$market" 3 1 2025-06-26 "地方立法与配套政策" "知识产权保护和促进条例(草案).pdf" 立法座谈会照片.png
    part "$market" 3
    part "$justice" 3
    selfcheck "$market" 3 "已推动条例立法并出台配套政策文件"
    accept "$reviewer" 3 94 "材料完整,同意验收"
    done_line 3 "完善法规政策体系:已验收"

    start "$market" 2
    ev "$market" 2 1 2025-04-15 "纳入市委、市政府重要议事日程" 年度重点工作部署文件.pdf
    ev "$market" 2 2 2025-09-09 "示范区创建推进" 示范区创建推进台账.pdf 督导会议照片.png
    part "$market" 2
    selfcheck "$market" 2 "年度重点工作已部署,示范区创建已列入重要任务"
    give_back "$reviewer" 2 2026-02-27 "推进台账缺少各区县(功能区)的完成情况,请补充"
    done_line 2 "加强重点工作部署:退回整改(整改中)"

    start "$science" 17
    ev "$science" 17 1 2025-05-30 "国家级专利导航基地建设" 专利导航基地建设方案.pdf
    ev "$science" 17 2 2025-10-28 "海外布局预警服务" 海外知识产权布局预警报告.pdf
    part "$science" 17
    selfcheck "$science" 17 "专利导航基地与海外服务点建设任务已完成"
    done_line 17 "加强关键核心技术自主研发:已自查,待审核"

    start "$justice" 8
    files 指标1 1 人民调解组织覆盖情况统计表.pdf
    zc_show --as "$justice" indicator report "$KEY" 1 87.5 --as-of 2025-12-31 --file "${PATHS[0]}" \
        --note "已覆盖 14 个区县(功能区)中的 12 个,按 87.5% 填报"
    done_line 8 "深化知识产权纠纷多元解决机制:推进中(已填报调解组织覆盖率)"
}

# --- the people's office, then the four plans side by side -------------------------------------

zc_log "1. 各辖区的管理员"
for prefix in "${PREFIXES[@]}"; do
    zc_show user add "${ADMINS[$prefix]}" --zone "${ZONES[$prefix]}" --role admin
    ADMIN="${ADMINS[$prefix]}" passwd_of "${ADMINS[$prefix]}"
done

zc_log "2. 四个方案同时推进(JOBS=$JOBS)"
declare -A RUNNING=() # pid -> prefix
declare -A FINISHED=()
SHOWN=0

show_finished() {
    local prefix
    while ((SHOWN < ${#PREFIXES[@]})) && [[ -n "${FINISHED[${PREFIXES[$SHOWN]}]:-}" ]]; do
        prefix="${PREFIXES[$SHOWN]}"
        printf '\n==================== %s %s(%s)====================\n' \
            "$prefix" "${PLAN_NAMES[$prefix]}" "${KEYS[$prefix]}"
        cat "$LOGS/$prefix.log"
        SHOWN=$((SHOWN + 1))
    done
}

# reap: wait for one running plan; on failure show its output, stop the others and quit.
reap() {
    local pid="" rc=0 prefix calls refusals
    wait -n -p pid "${!RUNNING[@]}" || rc=$?
    prefix="${RUNNING[$pid]}"
    unset "RUNNING[$pid]"
    if ((rc != 0)); then
        cat "$LOGS/$prefix.log" >&2
        ((${#RUNNING[@]} == 0)) || kill "${!RUNNING[@]}" 2>/dev/null || true
        wait || true
        zc_die "方案 $prefix 未能完成(退出码 $rc,见上)"
    fi
    read -r calls refusals <"$LOGS/$prefix.count"
    CALLS=$((CALLS + calls))
    REFUSALS=$((REFUSALS + refusals))
    FINISHED[$prefix]=1
    show_finished
}

for prefix in "${PREFIXES[@]}"; do
    while ((${#RUNNING[@]} >= JOBS)); do reap; done
    (
        CALLS=0 REFUSALS=0 PLAN="$prefix" KEY="${KEYS[$prefix]}" ADMIN="${ADMINS[$prefix]}"
        "plan_$prefix"
        printf '  共调用 zonecheck %d 次\n' "$CALLS"
        printf '%d %d\n' "$CALLS" "$REFUSALS" >"$LOGS/$prefix.count"
    ) >"$LOGS/$prefix.log" 2>&1 &
    RUNNING[$!]="$prefix"
done
while ((${#RUNNING[@]} > 0)); do reap; done

# --- results -----------------------------------------------------------------------------------

zc_log "3. 结果"
SUMMARY=()
for prefix in "${PREFIXES[@]}"; do
    zc status "${KEYS[$prefix]}" --json
    got="$(printf '%s' "$OUT" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)["by_state"]
print(*(s[k] for k in ("planned", "in_progress", "self_checked", "accepted", "rectifying")))
')"
    [[ "$got" == "${EXPECTED[$prefix]}" ]] ||
        zc_die "方案 $prefix 的状态统计(未启动 推进中 已自查 已验收 整改中)应为 ${EXPECTED[$prefix]},实际为 $got"
    read -r planned in_progress self_checked accepted rectifying <<<"$got"
    SUMMARY+=("$(printf '%s %s:未启动 %d · 推进中 %d(其中整改中 %d)· 已自查 %d · 已验收 %d' \
        "$prefix" "${PLAN_NAMES[$prefix]}" "$planned" "$in_progress" "$rectifying" "$self_checked" "$accepted")")
done
zc_show audit verify
zc_show evidence verify
for prefix in "${PREFIXES[@]}"; do
    zc_show status "${KEYS[$prefix]}"
done

cat <<EOF

==================== 四个方案的阶段性进展:完成 ====================
$(printf '%s\n' "${SUMMARY[@]}")
按规则拒绝:$REFUSALS 次(武汉:配合单位未完成即提交自查;江西:配合单位提交自查;济南:非责任单位启动措施)
审计日志与佐证材料校验均通过;共调用 zonecheck $CALLS 次,用时 ${SECONDS} 秒
数据目录:$ZONECHECK_HOME(生成的佐证文件在 $FILES)
继续查看:ZONECHECK_HOME=$ZONECHECK_HOME zonecheck status ${KEYS[000]}${ZONECHECK_DB:+(同时设置同一 ZONECHECK_DB)}
EOF
exit 0
}
