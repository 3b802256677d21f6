#!/usr/bin/env bash
# Screenshot an HTML report in headless Chromium with networking disabled,
# then check that the PNG is not blank (many distinct colours, enough
# non-white pixels). The report must render from the file alone: any request
# it tried to make would fail, which is the point.
#
#   Tests/browser/screenshot.sh REPORT.html OUT.png [WIDTHxHEIGHT]
#
# Chromium comes from Debian's `chromium` package. If it is missing the
# script installs it only when YIELDSTACK_INSTALL_BROWSER=1 (needs root and
# apt); otherwise it exits 77 ("skipped") so CI without a browser can tell
# a skip from a failure.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT]" >&2
    exit 64
fi
html=$1
png=$2
size=${3:-1200x6000}
[ -f "$html" ] || { echo "$html: no such file" >&2; exit 66; }

browser=""
for b in chromium chromium-browser; do
    if command -v "$b" >/dev/null 2>&1; then browser=$(command -v "$b"); break; fi
done
if [ -z "$browser" ]; then
    if [ "${YIELDSTACK_INSTALL_BROWSER:-0}" = "1" ]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
        browser=$(command -v chromium)
    else
        echo "chromium not found; set YIELDSTACK_INSTALL_BROWSER=1 to install Debian's chromium" >&2
        exit 77
    fi
fi

abs_html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# --proxy-server to a closed port plus an empty host map: no request can leave.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --no-first-run --disable-extensions \
    --disable-background-networking --disable-sync --disable-component-update \
    --proxy-server="http://127.0.0.1:9" --proxy-bypass-list="<-loopback>" \
    --host-resolver-rules="MAP * ~NOTFOUND" \
    --window-size="${size/x/,}" --screenshot="$png" "file://$abs_html" >/dev/null 2>&1 || true
[ -s "$png" ] || { echo "no screenshot written to $png" >&2; exit 1; }

# Decode the PNG with zlib alone (no PIL) and count colours and ink.
python3 - "$png" <<'PY'
import struct, sys, zlib
path = sys.argv[1]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"{path}: not a PNG")
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        if depth != 8 or ctype not in (2, 6) or interlace:
            sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
colours, ink = set(), 0
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 2 == 0:
        for x in range(0, width, 2):
            px = bytes(line[x * bpp:x * bpp + 3])
            colours.add(px)
            if px != b"\xff\xff\xff":
                ink += 1
    prev = line
sampled = ((height + 1) // 2) * ((width + 1) // 2)
share = ink / sampled if sampled else 0
print(f"{path}: {width}x{height}, {len(colours)} distinct colours, {share:.1%} non-white")
if len(colours) < 20 or share < 0.02:
    sys.exit(f"{path}: looks blank")
PY
