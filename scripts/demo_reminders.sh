#!/usr/bin/env bash
# The last step of `make demo`: the day's 三色督办 reminders of the demo data folder, delivered
# to a local mail catcher (scripts/mail_catcher.py) that this script starts and stops itself.
#
#   bash scripts/demo_reminders.sh DATA_DIR [DAY]
#
# Every person of the demo gets an e-mail address (each sets their own, as on /profile), then
# `zonecheck notify run --today DAY` records the colour changes, queues one digest per person
# with something to do and sends them; the messages that arrived are listed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATA="${1:?usage: demo_reminders.sh DATA_DIR [DAY]}"
DAY="${2:-$(date +%F)}"
PY="$ZC_ROOT/.venv/bin/python"
# `zonecheck` from PATH, else the repository's (as scripts/partial_run.sh).
ZC_BIN="$(command -v zonecheck || true)"
[[ -n "$ZC_BIN" ]] || ZC_BIN="$ZC_ROOT/.venv/bin/zonecheck"
zc() { env -u ZONECHECK_DB ZONECHECK_HOME="$DATA" "$ZC_BIN" "$@"; }

# One Maildir a day, kept: the same day again sends nothing twice, and lists what came before.
BOX="$DATA/邮件/$DAY"
rm -f "$BOX.port"
mkdir -p "$(dirname "$BOX")"
"$PY" "$ZC_ROOT/scripts/mail_catcher.py" "$BOX" "$BOX.port" &
CATCHER=$!
trap 'kill "$CATCHER" 2>/dev/null || true; wait "$CATCHER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s "$BOX.port" ]] && break; sleep 0.1; done
[[ -s "$BOX.port" ]] || zc_die "本地邮件接收器未能启动"
PORT="$(cat "$BOX.port")"

n=0
while IFS= read -r name; do
    n=$((n + 1))
    zc --as "$name" user edit "$name" --email "demo$n@zonecheck.example.gov.cn" >/dev/null
done < <(zc user list --json | "$PY" -c '
import json, sys
for p in json.load(sys.stdin):
    if p["active"] and p["role"] != "expert":
        print(p["name"])
')
zc_log "已为 $n 名人员设置演示邮箱;本地邮件接收器:127.0.0.1:$PORT"

zc_run env ZONECHECK_SMTP="smtp://127.0.0.1:$PORT" ZONECHECK_SMTP_FROM="督办 <duban@zonecheck.example.gov.cn>" \
    env -u ZONECHECK_DB ZONECHECK_HOME="$DATA" "$ZC_BIN" notify run --today "$DAY"

zc user list --json >"$BOX.people.json"
"$PY" - "$BOX" "$BOX.people.json" <<'PYEOF'
import json
import mailbox
import sys
from email.header import decode_header, make_header
from email.utils import parseaddr

names = {p["email"]: f'{p["name"]}({p["zone"]}{"," + p["unit"] if p["unit"] else ""})' for p in json.load(open(sys.argv[2]))}
box = mailbox.Maildir(sys.argv[1], create=False)
mails = sorted(
    (names.get(parseaddr(str(m["To"]))[1], str(m["To"])), str(make_header(decode_header(m["Subject"])))) for m in box
)
if not mails:
    sys.exit("ERROR: 本地邮件接收器没有收到督办提醒")
print(f"本地邮件接收器收到 {len(mails)} 封督办提醒(邮件保存在 {sys.argv[1]}):")
for to, subject in mails:
    print(f"  {subject}  → {to}")
PYEOF
kill "$CATCHER" && wait "$CATCHER" 2>/dev/null || true
trap - EXIT
zc_log "本地邮件接收器已停止"
