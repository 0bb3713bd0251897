#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/<target>/corpus/ (run from anywhere; idempotent).

The seeds are committed; this script is how they were made, so that a new seed is
added here and the corpora regenerated. Files the fuzzer added by hand (crash
reproducers, named crash-*) are left alone.
"""
import base64, hashlib, hmac, json, os, struct

ROOT = os.path.dirname(os.path.abspath(__file__))
SECRET = b"test-secret-that-is-at-least-32-bytes-long"


def write(target, name, data):
    folder = os.path.join(ROOT, target, "corpus")
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(header, payload, secret=SECRET, alg=None):
    h = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    p = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
    signing = (b64(h) + "." + b64(p)).encode()
    alg = alg or (header.get("alg") if isinstance(header, dict) else "HS256")
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}.get(alg)
    sig = hmac.new(secret, signing, digest).digest() if digest else b""
    return signing.decode() + "." + b64(sig)


def deep(n, open_="[", close="]", inner="1"):
    return open_ * n + inner + close * n


# --- JWT ---------------------------------------------------------------------------
HS = {"alg": "HS256", "typ": "JWT"}
jwt = {
    "valid": token(HS, {"channel": "c1", "sub": "1"}),
    "valid_exp_nbf": token(HS, {"channel": "c1", "exp": 1900000000, "nbf": 1000000000}),
    "expired": token(HS, {"channel": "c1", "exp": 1000}),
    "not_yet": token(HS, {"channel": "c1", "nbf": 4000000000}),
    "exp_string": token(HS, {"channel": "c1", "exp": "1900000000"}),
    "exp_float": token(HS, {"channel": "c1", "exp": 1.9e9, "nbf": -1.5}),
    "exp_huge": token(HS, {"channel": "c1", "exp": 1e308, "nbf": -1e308}),
    "exp_null_bool": token(HS, {"channel": "c1", "exp": None, "nbf": True}),
    "all_types": token(HS, {"channel": "c1", "s": "x", "i": -9223372036854775808, "u": 18446744073709551616,
                            "f": 1.5e-300, "t": True, "f2": False, "n": None, "a": [1, "2", [3], {"4": 5}],
                            "o": {"k": {"k": [None]}}, "sub": "1"}),
    "channel_number": token(HS, {"channel": 42}),
    "channel_array": token(HS, {"channel": ["c1"]}),
    "channel_object": token(HS, {"channel": {"id": "c1"}}),
    "channel_null": token(HS, {"channel": None}),
    "channel_empty": token(HS, {"channel": ""}),
    "channel_unicode": token(HS, {"channel": "\u00e9\u4e2d\U0001F600\u0000"}),
    "channel_dup": token(HS, b'{"channel":"a","channel":"b"}'),
    "payload_array": token(HS, [1, 2, 3]),
    "payload_string": token(HS, "channel"),
    "payload_not_json": token(HS, b"{channel:c1"),
    "payload_bad_utf8": token(HS, b'{"channel":"\xff\xfe"}'),
    "payload_lone_surrogate": token(HS, b'{"channel":"\\ud800"}'),
    "deep_array": token(HS, ('{"channel":"c1","d":' + deep(5000) + "}").encode()),
    "deep_object": token(HS, ('{"channel":"c1","d":' + deep(5000, '{"a":', "}") + "}").encode()),
    "huge_string": token(HS, {"channel": "c" * 100000}),
    "huge_number": token(HS, ('{"channel":"c1","n":' + "9" * 5000 + "}").encode()),
    "many_claims": token(HS, {**{"k%d" % i: i for i in range(2000)}, "channel": "c1"}),
    "hs384": token({"alg": "HS384", "typ": "JWT"}, {"channel": "c1"}),
    "hs512": token({"alg": "HS512"}, {"channel": "c1"}),
    "alg_none": token({"alg": "none"}, {"channel": "c1"}),
    "alg_None": token({"alg": "None"}, {"channel": "c1"}),
    "alg_rs256_hmac": token({"alg": "RS256"}, {"channel": "c1"}, alg="HS256"),
    "alg_es256": token({"alg": "ES256"}, {"channel": "c1"}),
    "alg_missing": token({"typ": "JWT"}, {"channel": "c1"}, alg="HS256"),
    "alg_number": token(b'{"alg":256}', {"channel": "c1"}, alg="HS256"),
    "alg_array": token(b'{"alg":["HS256"]}', {"channel": "c1"}, alg="HS256"),
    "alg_dup": token(b'{"alg":"none","alg":"HS256"}', {"channel": "c1"}, alg="HS256"),
    "header_kid_jku": token({"alg": "HS256", "kid": "../../etc/passwd", "jku": "http://x", "crit": ["exp"]}, {"channel": "c1"}),
    "wrong_secret": token(HS, {"channel": "c1"}, secret=b"another-secret-that-is-32-bytes-long!!"),
    "two_parts": b64(b'{"alg":"HS256"}') + "." + b64(b'{"channel":"c1"}'),
    "four_parts": token(HS, {"channel": "c1"}) + ".x",
    "empty": "",
    "dots": "..",
    "padding": token(HS, {"channel": "c1"}).replace(".", "=.", 1),
    "std_b64": base64.b64encode(b'{"alg":"HS256"}').decode() + "." + base64.b64encode(b'{"channel":"c1?>>"}').decode() + ".+/+/",
    "sig_truncated": token(HS, {"channel": "c1"})[:-5],
    "whitespace": " " + token(HS, {"channel": "c1"}) + " ",
}
for name, value in jwt.items():
    write("FuzzJWT", name, value)

# --- Cookie header (0x00 separates header lines) -------------------------------------
good = jwt["valid"]
cookies = {
    "single": "async-token=" + good,
    "many": "a=1; async-token=" + good + "; b=2",
    "quoted": 'async-token="' + good + '"',
    "two_headers": "a=1\x00async-token=" + good,
    "duplicate": "async-token=first; async-token=second",
    "percent": "async-token=%41%zz%; x=%E2%82%AC",
    "no_value": "async-token; async-token=",
    "spaces": "  async-token  =  v  ;;; ;",
    "empty": "",
    "equals_in_value": "async-token=a=b=c",
    "bad_utf8": b"async-token=\xff\xfe; \xc0\x80=1",
    "unicode_name": "\u00e9=1; async-token=\u4e2d",
    "long": "; ".join("k%d=%s" % (i, "v" * 50) for i in range(500)),
    "odd_name": "x y=1\x00x y=2",
}
for name, value in cookies.items():
    write("FuzzCookieHeader", name, value)

# --- HTTP request heads (0xFF splits reads) --------------------------------------------
def upgrade(path="/", cookie="async-token=" + good, origin=None, extra="", version="13",
            key="dGhlIHNhbXBsZSBub25jZQ=="):
    r = "GET %s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" % path
    if key is not None:
        r += "Sec-WebSocket-Key: %s\r\n" % key
    r += "Sec-WebSocket-Version: %s\r\n" % version
    if cookie is not None:
        r += "Cookie: %s\r\n" % cookie
    if origin is not None:
        r += "Origin: %s\r\n" % origin
    return r + extra + "\r\n"

http = {
    "upgrade_ok": upgrade(origin="http://superset.example"),
    "upgrade_last_id": upgrade("/?last_id=1700000000000-5", origin="http://superset.example"),
    "upgrade_last_id_bad": upgrade("/?last_id=1-0%0d%0aX:y&last_id=2", origin="https://a.example:8443"),
    "upgrade_then_frames": upgrade(origin="http://superset.example").encode() + b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58" + b"\x88\x80\x00\x00\x00\x00",
    "upgrade_split": upgrade(origin="http://superset.example").replace("Upgrade\r\n", "Upg\xffrade\r\n"),
    "upgrade_no_origin": upgrade(),
    "upgrade_bad_origin": upgrade(origin="http://evil.example"),
    "upgrade_no_cookie": upgrade(cookie=None, origin="http://superset.example"),
    "upgrade_bad_token": upgrade(cookie="async-token=" + jwt["alg_none"], origin="http://superset.example"),
    "upgrade_version_8": upgrade(version="8", origin="http://superset.example"),
    "upgrade_bad_key": upgrade(key="short", origin="http://superset.example"),
    "upgrade_no_key": upgrade(key=None, origin="http://superset.example"),
    "upgrade_post": upgrade(origin="http://superset.example").replace("GET", "POST", 1),
    "upgrade_no_connection": upgrade(origin="http://superset.example").replace("Connection: Upgrade\r\n", ""),
    "upgrade_dup_headers": upgrade(origin="http://superset.example", extra="Upgrade: h2c\r\nSec-WebSocket-Version: 13\r\nCookie: async-token=x\r\n"),
    "health": "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
    "health_query": "GET /health?probe=1 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /./health#x HTTP/1.1\r\n\r\n",
    "health_http10": "GET /health HTTP/1.0\r\n\r\n",
    "pipelined": "GET /health HTTP/1.1\r\n\r\n" * 5 + "GET /x HTTP/1.1\r\n\r\n",
    "absolute_uri": "GET http://h:1/a/../health?x HTTP/1.1\r\nHost: h\r\n\r\n",
    "smuggle_cl_te": "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
    "chunked_body": "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "garbage": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    "lf_only": "GET / HTTP/1.1\nUpgrade: websocket\n\n",
    "obs_fold": "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
    "long_header": "GET / HTTP/1.1\r\nX: " + "a" * 90000 + "\r\n\r\n",
    "many_headers": "GET / HTTP/1.1\r\n" + "".join("X-%d: 1\r\n" % i for i in range(3000)) + "\r\n",
    "bad_utf8_uri": b"GET /?last_id=\xff\xfe HTTP/1.1\r\nCookie: async-token=\xc3\x28\r\n\r\n",
    "http2_preface": "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
}
for name, value in http.items():
    write("FuzzHTTPHead", name, value if isinstance(value, bytes) else value.encode("latin-1"))

# --- last_id -------------------------------------------------------------------------------
last_ids = {
    "full": "/?last_id=1700000000000-5",
    "ms_only": "/?last_id=1700000000000",
    "plus_space": "/?a=1&last_id=1+2&last_id=3-4",
    "percent": "/?%6cast_id=%31-%30",
    "bad_percent": "/?last_id=%zz%",
    "crlf": "/?last_id=1-0%0d%0aX:y",
    "nul": "/?last_id=1-0%00",
    "max": "/?last_id=18446744073709551615-18446744073709551615",
    "overflow": "/?last_id=18446744073709551616-0",
    "negative": "/?last_id=-1--1",
    "star": "/?last_id=*",
    "dollar": "/?last_id=$",
    "empty": "/?last_id=",
    "bare_key": "/?last_id",
    "no_query": "/",
    "fragment": "/?x=1#last_id=1-1",
    "unicode_digits": "/?last_id=\u0661\u0662-\u0663",
    "leading_zeros": "0000000000000000000000000000001-000",
    "plain": "1-1",
    "long": "/?" + "&".join("k%d=v" % i for i in range(2000)) + "&last_id=1-1",
}
for name, value in last_ids.items():
    write("FuzzLastID", name, value)

# --- Event entries (the first field's value; 0x00 separates name/value pairs) --------------
events = {
    "typical": '{"id":"x","channel_id":"c1","job_id":"j","user_id":"1","status":"done","errors":[],"result_url":"/api/v1/x"}',
    "minimal": '{"channel_id":"c"}',
    "no_channel": '{"a":1}',
    "channel_not_string": '{"channel_id":5}',
    "channel_dup": '{"channel_id":"a","x":1,"channel_id":"b"}',
    "id_inside": '{"id":"from-producer","channel_id":"c","id":2}',
    "array": '[{"channel_id":"c"}]',
    "scalar": '"channel_id"',
    "empty": "",
    "whitespace": ' \t\r\n{ "channel_id" : "c" } \n',
    "trailing": '{"channel_id":"c"} x',
    "numbers": '{"channel_id":"c","n":[0,-0,1e400,-1e-400,0.1,1E+2,123456789012345678901234567890,5e-324,1.7976931348623157e308]}',
    "bad_numbers": '{"channel_id":"c","n":01}',
    "strings": '{"channel_id":"c\\u00e9\\ud83d\\ude00","s":"\\ud800\\udc00\\ud800\\\\\\"\\/\\b\\f\\n\\r\\t\\u0000\\u001f\\u2028"}',
    "lone_surrogates": '{"channel_id":"\\udc00","s":"\\ud800x"}',
    "invalid_utf8": b'{"channel_id":"c\xff\xfe","s":"\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82","t":"\x80"}',
    "invalid_utf8_key": b'{"\xff":"x","channel_id":"\xf0\x9f\x98"}',
    "bom": b'\xef\xbb\xbf{"channel_id":"c"}',
    "array_index_keys": '{"2":"a","1":"b","channel_id":"c","10":"d","01":"e","4294967295":"f","4294967294":"g"}',
    "proto_keys": '{"__proto__":{"x":1},"channel_id":"c","constructor":1}',
    "literals": '{"channel_id":"c","a":true,"b":false,"n":null,"o":{},"l":[]}',
    "bad_literal": '{"channel_id":"c","a":tru}',
    "control_in_string": '{"channel_id":"c\x01"}',
    "deep_100000_array": '{"channel_id":"c","d":' + deep(100000) + "}",
    "deep_100000_object": '{"channel_id":"c","d":' + deep(100000, '{"a":', "}") + "}",
    "deep_998": '{"channel_id":"c","d":' + deep(998) + "}",
    "deep_unclosed": '{"channel_id":"c","d":' + "[" * 100000,
    "big_string": '{"channel_id":"c","s":"' + "x" * 200000 + '"}',
    "many_keys": "{" + ",".join('"k%d":%d' % (i, i) for i in range(5000)) + ',"channel_id":"c"}',
    "dup_keys_many": "{" + ",".join('"k":%d' % i for i in range(3000)) + ',"channel_id":"c"}',
    "two_fields": b"data\x00{\"channel_id\":\"c\"}\x00other\x00x",
    "no_fields_name_only": b"\x00",
}
for name, value in events.items():
    write("FuzzEventEncoder", name, value)

# --- RESP (first byte: read size - 1) ----------------------------------------------------------
def bulk(b):
    b = b if isinstance(b, bytes) else b.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)

def arr(*items):
    return b"*%d\r\n" % len(items) + b"".join(items)

entry = arr(bulk("1700000000000-0"), arr(bulk("data"), bulk('{"channel_id":"c"}')))
resp = {
    "status": b"+OK\r\n",
    "error": b"-ERR wrong type\r\n",
    "integer": b":-9223372036854775808\r\n:9223372036854775807\r\n",
    "int_overflow": b":99999999999999999999\r\n",
    "null": b"$-1\r\n*-1\r\n",
    "xrange": arr(entry, entry),
    "xread": arr(arr(bulk("async-events-full"), arr(entry))),
    "xread_other_key": arr(arr(bulk("other"), arr(entry)), arr(bulk("async-events-full"), arr())),
    "bad_entry_shapes": arr(bulk("x"), arr(bulk("bad-id"), arr()), arr(bulk("1-1"), arr(bulk("odd"))), arr(bulk("2-2"), bulk("notarray")), arr(b":5\r\n", arr())),
    "nil_fields": arr(arr(bulk("1-1"), b"*-1\r\n")),
    "nested_deep": b"*1\r\n" * 10 + b":1\r\n",
    "negative_len": b"$-5\r\n*-7\r\n",
    "huge_len": b"$9223372036854775807\r\n",
    "huge_array": b"*4294967296\r\n",
    "bad_type": b"?what\r\n",
    "resp3": b"%1\r\n+a\r\n:1\r\n_\r\n#t\r\n,1.5\r\n(123\r\n",
    "binary_bulk": bulk(bytes(range(256))),
}
# Also in the corpus, found by the fuzzer (hiredis 0.14 has no maxelements and
# allocated an array's element table when its header arrived):
# slow-array-of-33333332-elements (266 MB; a 13 s timeout at nice 19 on a loaded
# machine) and oom-array-of-2000000005-elements (16 GB). RESPReplyDecoder now refuses
# arrays over 2^24 elements before anything is allocated (RESPTests covers it).
for i, (name, value) in enumerate(resp.items()):
    write("FuzzRESP", name, bytes([[0, 2, 255][i % 3]]) + value)

# --- IPC frames (first byte: read size and limit) -------------------------------------------------
def frame(t, payload=b"", version=1, length=None):
    length = len(payload) + 2 if length is None else length
    return struct.pack(">I", length) + bytes([version, t]) + payload

ipc = {
    "one": b"\x7f" + frame(1, b"hello"),
    "several_small_reads": b"\x00" + frame(1) + frame(2, b"x" * 100) + frame(3, b"{}"),
    "small_limit": b"\x80" + frame(1, b"y" * 62) + frame(1, b"y" * 63),
    "too_short": b"\x10" + frame(1, length=1),
    "too_large": b"\x10" + frame(1, length=(1 << 20) + 1),
    "max_length": b"\x10" + struct.pack(">I", 0xFFFFFFFF) + b"\x01\x01",
    "bad_version": b"\x10" + frame(1, b"p", version=99),
    "partial": b"\x03" + frame(1, b"abcdef")[:-2],
    "empty_payload": b"\x05" + frame(0) * 20,
}
for name, value in ipc.items():
    write("FuzzIPCFrame", name, value)

# --- Config JSON ---------------------------------------------------------------------------------------
example = open(os.path.join(ROOT, "..", "config.example.json"), "rb").read()
configs = {
    "example": example,
    "empty_object": "{}",
    "minimal": '{"jwtSecret":"a-secret-that-is-at-least-32-bytes-long!"}',
    "wrong_types": '{"port":"8080","workers":-1,"jwtAlgorithms":"HS256","redis":[],"statsd":{"port":1e100},"allowedOrigins":[1,null]}',
    "out_of_range": '{"port":70000,"redisStreamReadCount":0,"maxSocketBufferBytes":-5,"handshakeTimeoutMs":1.5}',
    "unknown_keys": '{"x":1,"redis":{"y":{"z":[]}},"statsd":{"q":true}}',
    "nested_unknown": '{"redis":{"sentinels":[{"host":"a","port":1},{"host":5}],"sentinelMaster":"m"}}',
    "not_object": "[1,2,3]",
    "not_json": "port=8080",
    "bad_utf8": b'{"jwtSecret":"\xff\xfe\xfd-at-least-32-bytes-long-secret!!!"}',
    "deep": '{"redis":' + deep(10000, '{"a":', "}") + "}",
    "dup_keys": '{"port":1,"port":2,"redis":{"port":1},"redis":{"host":"h"}}',
    "huge_numbers": '{"port":1e400,"workers":-0,"db":123456789012345678901234567890}',
    "comments": '// comment\n{"port":8080,}',
}
for name, value in configs.items():
    write("FuzzConfig", name, value)
