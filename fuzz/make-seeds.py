#!/usr/bin/env python3
"""Writes fuzz/corpus/* from a capture (Bastion.Fuzz capture PORT DIR, real clients connected to it) and a few keys.

    fuzz/make-seeds.py CAPTURE_DIR KEY_DIR
CAPTURE_DIR holds N.raw / N.payloads per connection and clients.txt ("N name" per line); KEY_DIR holds id_ed25519,
id_ecdsa, id_rsa (+ .pub) made by ssh-keygen. See fuzz/README.md for the whole procedure."""
import base64, hashlib, os, struct, subprocess, sys

cap, keys = sys.argv[1], sys.argv[2]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    assert len(data) < 4096, (target, name, len(data))
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def u16(b): return struct.pack(">H", len(b)) + b
def sstr(b): return struct.pack(">I", len(b)) + b

def split(data):
    out = []
    while len(data) >= 2:
        n = struct.unpack(">H", data[:2])[0]
        out.append(data[2:2 + n]); data = data[2 + n:]
    return out

def join(payloads): return b"".join(u16(p) for p in payloads)

clients = dict(line.split() for line in open(os.path.join(cap, "clients.txt")) if line.strip())
seen_messages = set()
for n, client in sorted(clients.items()):
    raw = open(os.path.join(cap, f"{n}.raw"), "rb").read()
    payloads = split(open(os.path.join(cap, f"{n}.payloads"), "rb").read())
    line_end = raw.index(b"\n") + 1
    put("version", client, raw[:line_end])
    length, pad = struct.unpack(">IB", raw[line_end:line_end + 5])
    kexinit = raw[line_end + 5:line_end + 4 + length - pad]
    assert kexinit[0] == 20
    put("kexinit", client, kexinit)
    put("message", f"{client}-020", kexinit)
    for p in payloads:
        if p[0] not in seen_messages and len(p) < 4000:
            seen_messages.add(p[0])
            put("message", f"{client}-{p[0]:03d}", p)
    auth = [p for p in payloads if p[0] < 80 and p[0] not in (20, 21, 30)]
    conn = [p for p in payloads if p[0] >= 80 or p[0] in (1, 2, 4)]
    if auth:
        put("userauth", client, join(auth)[:4000])
    if conn:
        put("connection", client, join(conn)[:4000])
    # Packet targets, sealed mode: 0x01 then padding_length, payload, padding (the harness pads to the block and seals).
    for p in payloads[:3]:
        body = bytes([4]) + p + bytes(4)
        for t in ("none", "chacha20-poly1305", "aes256-gcm", "aes128-gcm", "aes256-ctr-hmac-sha2-256-etm", "aes128-ctr-hmac-sha2-512-etm"):
            if len(body) < 2000:
                put(f"packet-{t}", f"{client}-{p[0]:03d}", b"\x01" + body)
for t in ("none", "chacha20-poly1305", "aes256-gcm", "aes128-gcm", "aes256-ctr-hmac-sha2-256-etm", "aes128-ctr-hmac-sha2-512-etm"):
    put(f"packet-{t}", "raw-garbage", b"\x00" + struct.pack(">I", 28) + bytes(range(48)))

# authorized_keys: each key as ssh-keygen wrote it, and with options.
pubs = [open(os.path.join(keys, f"id_{t}.pub"), "rb").read().strip() for t in ("ed25519", "ecdsa", "rsa")]
for t, pub in zip(("ed25519", "ecdsa", "rsa"), pubs):
    put("authorized-keys", t, pub + b"\n")
put("authorized-keys", "options", b'# comment\nrestrict,pty,from="10.0.0.0/8,!10.1.*",expiry-time="20300101" ' + pubs[0] + b"\n"
    b'no-port-forwarding,permitopen="web-1:22",environment="A=b",command="echo \\"hi\\"" ' + pubs[1] + b"\n")

# OpenSSH private keys: text mode (0x00 + file) and body mode (0x01 + decoded base64).
for t in ("ed25519", "ecdsa", "rsa"):
    text = open(os.path.join(keys, f"id_{t}"), "rb").read()
    put("private-key", f"{t}-text", b"\x00" + text)
    body = base64.b64decode(b"".join(l for l in text.splitlines() if not l.startswith(b"-----")))
    put("private-key", f"{t}-body", b"\x01" + body)

# Signatures: ssh-keygen -Y sign (SSHSIG); the signed data is rebuilt from the SSHSIG fields (PROTOCOL.sshsig).
index = {"ed25519": 0, "ecdsa": 1, "rsa": 6}
for t, i in index.items():
    msg = b"fuzz seed message\n"
    path = os.path.join(keys, "msg")
    open(path, "wb").write(msg)
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", "file", "-f", os.path.join(keys, f"id_{t}"), path], check=True)
    armored = open(path + ".sig", "rb").read()
    os.remove(path + ".sig")
    blob = base64.b64decode(b"".join(l for l in armored.splitlines() if not l.startswith(b"-----")))
    r = blob[6 + 4:]
    def take(r):
        n = struct.unpack(">I", r[:4])[0]; return r[4:4 + n], r[4 + n:]
    pub, r = take(r); ns, r = take(r); _, r = take(r); hashalg, r = take(r); sig, r = take(r)
    signed = b"SSHSIG" + sstr(ns) + sstr(b"") + sstr(hashalg) + sstr(hashlib.new(hashalg.decode(), msg).digest())
    put("signature", t, bytes([i]) + u16(pub) + u16(signed) + sig)
    if t == "ed25519":
        # The same key and signature offered as the sk variants (index 5, 4): wrong type, must be refused cleanly.
        put("signature", "ed25519-as-sk", bytes([5]) + u16(pub) + u16(signed) + sig)

# DNS queries (RFC 1035 wire format), with and without EDNS, forward and reverse.
def qname(name): return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l) + b"\x00"
def query(qid, name, qtype, edns=False, flags=0x0100):
    q = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0) + qname(name) + struct.pack(">HH", qtype, 1)
    return q + (b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0) if edns else b"")
put("dns", "a-web-1", query(1, "web-1.dev-a.dev.example", 1))
put("dns", "a-db-ambiguous", query(2, "db.dev.example", 1, edns=True))
put("dns", "aaaa", query(3, "web-1.dev.example", 28))
put("dns", "any", query(4, "api.internal.dev-b.dev.example", 255))
put("dns", "ptr", query(5, "5.0.20.10.in-addr.arpa", 12, edns=True))
put("dns", "soa-apex", query(6, "dev.example", 6))
put("dns", "refused-outside", query(7, "example.com", 1))
put("dns", "compressed", struct.pack(">HHHHHH", 8, 0x0100, 2, 0, 0, 0) + qname("web-1.dev.example") + struct.pack(">HH", 1, 1) + b"\xc0\x0c" + struct.pack(">HH", 28, 1))

# asciicast v2 as SessionRecorder writes it (first byte: chunk size - 1).
cast = (b'{"version": 2, "width": 80, "height": 24, "timestamp": 1700000000, "env": {"TERM": "xterm"}}\n'
        b'[0.1, "o", "$ "]\n[0.5, "i", "ls\\r"]\n[0.6, "o", "ls\\r\\nREADME.md\\u001b[0m\\r\\n"]\n[1.0, "r", "100x30"]\n')
put("asciicast", "session", b"\x07" + cast)
put("asciicast", "one-chunk", b"\xff" + cast)
