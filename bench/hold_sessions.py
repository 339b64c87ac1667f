#!/usr/bin/python3
"""Hold N concurrent forwarded SSH sessions open from ONE client process (for PSS-per-session measurements).

Opens N SSH connections to a jump host (user + key), on each a direct-tcpip channel to TARGET_HOST:TARGET_PORT,
reads the target's SSH banner through it (proves the forward works), prints "held N" once all are up, then waits
for stdin EOF or SIGTERM/SIGINT and closes everything. Connections are opened with bounded concurrency.
Exit code: 0 if all N were held and closed, 1 on any failure (details on stderr).

Run with Debian's /usr/bin/python3 (python3-asyncssh); the python3 first on PATH may be another build.
"""
import argparse
import asyncio
import signal
import sys
import threading
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*deprecated.*")
import asyncssh  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", required=True, help="jump host address (loopback)")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--key", required=True, help="private key file")
    p.add_argument("--known-hosts", required=True, help="known_hosts file holding the jump host's key")
    p.add_argument("--target-host", required=True, help="direct-tcpip destination host (name or address)")
    p.add_argument("--target-port", type=int, default=22)
    p.add_argument("-n", "--sessions", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=50, help="connections being opened at once")
    p.add_argument("--open-timeout", type=float, default=600, help="bound on opening all sessions (s)")
    p.add_argument("--hold-timeout", type=float, default=3600, help="bound on holding them (s)")
    return p.parse_args()


def check_loopback(host):
    if not (host.startswith("127.") or host in ("::1", "localhost")):
        sys.exit(f"refusing non-loopback jump host {host!r}")


async def open_one(args, options, sem, held, errors):
    async with sem:
        if errors:
            return
        try:
            conn = await asyncio.wait_for(
                asyncssh.connect(args.host, args.port, options=options, config=None), 60)
        except Exception as e:  # noqa: BLE001
            errors.append(f"connect to {args.host}:{args.port}: {type(e).__name__}: {e}")
            return
        try:
            reader, writer = await asyncio.wait_for(
                conn.open_connection(args.target_host, args.target_port), 30)
            banner = await asyncio.wait_for(reader.readline(), 30)
            if not banner.startswith(b"SSH-2.0-"):
                raise RuntimeError(f"unexpected banner through the forward: {banner[:80]!r}")
            held.append((conn, writer, asyncio.ensure_future(conn.wait_closed())))
        except Exception as e:  # noqa: BLE001
            errors.append(f"direct-tcpip to {args.target_host}:{args.target_port}: {type(e).__name__}: {e}")
            conn.close()


async def main():
    args = parse_args()
    check_loopback(args.host)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)

    options = asyncssh.SSHClientConnectionOptions(
        username=args.user,
        client_keys=[asyncssh.read_private_key(args.key)],
        known_hosts=asyncssh.read_known_hosts(args.known_hosts),
        agent_path=None,
        config=None,
        keepalive_interval=0,
    )
    held, errors = [], []
    sem = asyncio.Semaphore(args.concurrency)
    started = time.monotonic()
    tasks = [asyncio.ensure_future(open_one(args, options, sem, held, errors)) for _ in range(args.sessions)]
    done, pending = await asyncio.wait(tasks, timeout=args.open_timeout)
    for t in pending:
        t.cancel()
    code = 0
    if errors or pending or len(held) != args.sessions:
        print(f"hold_sessions: only {len(held)}/{args.sessions} sessions opened"
              f"{' (timed out)' if pending else ''}; first errors:", file=sys.stderr)
        for e in errors[:5]:
            print("  " + e, file=sys.stderr)
        code = 1
    else:
        print(f"held {len(held)}", flush=True)
        print(f"hold_sessions: opened {len(held)} in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
        # Wait for stdin EOF (the driver closes it) or a signal, bounded. A daemon thread reads stdin so a
        # signal-triggered exit never waits on a blocked read.
        def read_stdin():
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(stop.set)
        threading.Thread(target=read_stdin, daemon=True).start()
        try:
            await asyncio.wait_for(stop.wait(), args.hold_timeout)
        except asyncio.TimeoutError:
            print("hold_sessions: hold timeout reached", file=sys.stderr)
        # Any session that died while held is a failure of the measured server.
        dead = sum(1 for _, writer, closed in held if writer.is_closing() or closed.done())
        if dead:
            print(f"hold_sessions: {dead} sessions closed while held", file=sys.stderr)
            code = 1

    for conn, _, _ in held:
        conn.close()
    if held:
        await asyncio.wait([closed for _, _, closed in held], timeout=30)
    return code


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
