#!/usr/bin/env bash
# Load test of Lookup (hit and miss) against a running cache-service, with h2load (Debian: nghttp2-client).
# Usage: cache-service/bench/lookup-bench.sh [base-url]   (default http://127.0.0.1:8092)
# Writes one entry for tenant "bench" (Store), then measures. Checks grpc-status of one call with curl first,
# since h2load only sees HTTP 200.
set -euo pipefail
URL="${1:-http://127.0.0.1:8092}/llmops.cache.v1.CacheService"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
python3 - "$DIR" <<'PY'
import struct, sys
d = sys.argv[1]
def varint(n):
    out = b''
    while True:
        b, n = n & 0x7f, n >> 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])
def field(num, payload): return varint(num << 3 | 2) + varint(len(payload)) + payload
def number(num, val): return varint(num << 3) + varint(val)
caller = field(1, b'bench')
def query(text): return field(1, caller) + field(2, b'gpt-4o-mini') + field(3, number(1, 2) + field(2, text))
frames = {
    'store': field(1, query(b'What is the capital of France? Answer in one word.')) + field(2, field(1, b'Paris.')),
    'hit': field(1, query(b'What is the capital of France? Answer in one word.')),
    'miss': field(1, query(b'never stored')),
}
for name, p in frames.items():
    open(f'{d}/{name}.bin', 'wb').write(b'\x00' + struct.pack('>I', len(p)) + p)
PY
H=(-H 'content-type: application/grpc' -H 'te: trailers')
curl -s --http2-prior-knowledge "${H[@]}" --data-binary "@$DIR/store.bin" -o /dev/null -D - "$URL/Store" \
  | grep -i 'grpc-status: 0' >/dev/null || { echo "Store failed (grpc-status not 0)"; exit 1; }
h2load -n 20000 -c 4 -m 4 "${H[@]}" -d "$DIR/hit.bin" "$URL/Lookup" >/dev/null   # warm-up
for kind in hit miss; do
  echo "== Lookup $kind, 4 connections x 4 streams"
  h2load -n 100000 -c 4 -m 4 "${H[@]}" -d "$DIR/$kind.bin" "$URL/Lookup" | grep -E 'finished in|succeeded|time for request'
done
echo "== Lookup hit, 1 connection x 1 stream"
h2load -n 20000 -c 1 -m 1 "${H[@]}" -d "$DIR/hit.bin" "$URL/Lookup" | grep -E 'finished in|succeeded|time for request'
