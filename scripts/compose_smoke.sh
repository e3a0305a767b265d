#!/usr/bin/env bash
# Smoke test of the production compose stack (README "Production"): brings it up from a clean checkout
# of HEAD, checks it, tears it down. Needs `docker compose` (v2.24+) and the base images the Dockerfile
# and docker-compose.yml name (pulled or local). Prints PASS/FAIL per check; exit 1 if any failed.
#   bash scripts/compose_smoke.sh            # SMOKE_PORT=18080, project salesbot-smoke
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/salesbot-smoke.XXXXXX)
export COMPOSE_PROJECT_NAME=salesbot-smoke SALESBOT_HTTP_PORT=${SMOKE_PORT:-18080}
url=http://127.0.0.1:$SALESBOT_HTTP_PORT
failed=0
check() {  # check NAME COMMAND...: PASS when the command succeeds
    local name=$1; shift
    if out=$("$@" 2>&1); then echo "PASS  $name  $(tail -1 <<<"$out" | cut -c1-150)"
    else echo "FAIL  $name"; tail -5 <<<"$out" | sed 's/^/      /'; failed=1; fi
}
dc() { docker compose "$@"; }
teardown() { (cd "$work" && dc down -v --remove-orphans >/dev/null 2>&1); rm -rf "$work"; }
trap teardown EXIT

git -C "$repo" archive HEAD | tar -x -C "$work" && cd "$work" || exit 1
cp .env.example .env
# a WeCom app with made-up credentials, so the callback path can be exercised; its API is a dead port
cat >> .env <<EOF
WECOM_CORP_ID=wwsmoketest
WECOM_AGENT_ID=1000002
WECOM_SECRET=smoke
WECOM_TOKEN=$(openssl rand -hex 8)
WECOM_ENCODING_AES_KEY=$(openssl rand -base64 32 | tr -d '=\n')
WECOM_API_BASE=http://127.0.0.1:9/cgi-bin
EOF
echo "POSTGRES_PASSWORD=$(openssl rand -hex 16)" >> .env   # as the README says: in .env, not exported
unset POSTGRES_PASSWORD
mkdir import && printf '# 报价政策\n\n标准版每账号每年 1200 元，50 账号以上九折。\n' > import/pricing.md

healthy() {  # healthy N: N salesbot replicas, all healthy
    local states; states=$(dc ps --format '{{.Health}}' salesbot)
    [ "$(grep -c '^healthy$' <<<"$states")" = "$1" ] && [ "$(wc -l <<<"$states")" = "$1" ] && echo "$1 healthy"
}
replicas_seen() {  # replicas_seen N: N distinct replicas answer /healthz through nginx
    local seen
    for _ in $(seq 1 15); do
        seen=$(for _ in $(seq $((4 * $1))); do curl -s "$url/healthz"; echo; done \
               | python3 -c 'import sys,json; print(len({json.loads(l)["replica"] for l in sys.stdin if l.strip()}))')
        [ "$seen" = "$1" ] && { echo "$seen replicas"; return 0; }
        sleep 2  # nginx re-resolves the service name every 10 s
    done
    echo "saw $seen replicas"; return 1
}
health_ok() {
    curl -sf "$url/healthz" | python3 -c '
import sys, json; h = json.load(sys.stdin)
assert h["ok"] and h["database"] == "up" and h["redis"] == "up", h; print("database up, redis up")'
}
one_leader() {
    local n; n=$(dc logs salesbot | grep '"scheduler: leading' | cut -d' ' -f1 | sort -u | wc -l)
    [ "$n" = 1 ] && dc logs salesbot | grep -o 'scheduler: leading[^"]*' | head -1
}
json_logs() {  # every line the replicas log is a JSON object (the one-line startup banner aside)
    dc logs --no-log-prefix salesbot | grep -v '^salesbot serving on ' | python3 -c '
import sys, json; lines = [l for l in sys.stdin if l.strip()]
[json.loads(l) for l in lines]; print(len(lines), "JSON lines")'
}
wecom() {  # URL verification, then one text message delivered twice: one ledger row, handled
    local id=smoke-$RANDOM
    dc exec -T salesbot python - "http://nginx/wecom/callback" "$id" <<'EOF' || return 1
import base64, hashlib, os, secrets, struct, sys, time, urllib.parse, urllib.request
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
url, msg_id = sys.argv[1:]
token, corp = os.environ["WECOM_TOKEN"], os.environ["WECOM_CORP_ID"]
key = base64.b64decode(os.environ["WECOM_ENCODING_AES_KEY"] + "=")
def encrypt(text):
    raw = secrets.token_bytes(16) + struct.pack(">I", len(text.encode())) + text.encode() + corp.encode()
    pad = 32 - len(raw) % 32
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(raw + bytes([pad]) * pad) + enc.finalize()).decode()
def query(encrypted, **extra):
    ts, nonce = str(int(time.time())), secrets.token_hex(5)
    sig = hashlib.sha1("".join(sorted([token, ts, nonce, encrypted])).encode()).hexdigest()
    return url + "?" + urllib.parse.urlencode(dict(msg_signature=sig, timestamp=ts, nonce=nonce, **extra))
echo = encrypt("echo-" + msg_id)
assert urllib.request.urlopen(query(echo, echostr=echo), timeout=5).read().decode() == "echo-" + msg_id
enc = encrypt(f"<xml><ToUserName>{corp}</ToUserName><FromUserName>smoke-user</FromUserName><CreateTime>"
              f"{int(time.time())}</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>{msg_id}</MsgId>"
              "<AgentID>1000002</AgentID></xml>")
body = f"<xml><ToUserName>{corp}</ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt></xml>".encode()
for _ in range(2):  # the second is a redelivery; nginx sends it to the other replica
    assert urllib.request.urlopen(urllib.request.Request(query(enc), data=body), timeout=5).status == 200
EOF
    local rows
    for _ in $(seq 10); do
        rows=$(dc exec -T postgres psql -U salesbot -d salesbot -Atc \
               "select count(*), min(status) from inbound_message where msg_id = '$id'")
        [ "$rows" = "1|done" ] && { echo "verified; 2 deliveries -> 1 ledger row, done"; return 0; }
        sleep 1
    done
    echo "ledger: $rows"; return 1
}
kb_add() {  # the README's ingest line: ./import mounted at /data/import
    dc run --rm -v "$PWD/import:/data/import:ro" salesbot salesbot kb add /data/import | grep '新增 1 篇'
}
down_clean() { dc down -v >/dev/null 2>&1 && [ -z "$(dc ps -aq)" ] && echo "no containers left"; }

check "up --build (2 replicas)"   dc up -d --build --wait --wait-timeout 300
check "replicas healthy"          healthy 2
check "/healthz via nginx"        health_ok
check "both replicas serve"       replicas_seen 2
check "one scheduler leader"      one_leader
check "demo data"                 dc run --rm salesbot salesbot demo
check "kb add (mounted dir)"      kb_add
check "wecom callback"            wecom
check "logs are JSON"             json_logs
check "scale to 4"                dc up -d --scale salesbot=4 --wait --wait-timeout 300
check "4 replicas healthy"        healthy 4
check "4 replicas serve"          replicas_seen 4
check "still one leader"          one_leader
check "down"                      down_clean
exit $failed
