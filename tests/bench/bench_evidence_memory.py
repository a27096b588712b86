"""Memory and speed of EvidenceStore on one large file: peak RSS must not grow with the file.

    python tests/bench/bench_evidence_memory.py [--size-mb 1024] [--chunk-kib 1024] [--dir DIR]

Writes a file of --size-mb MiB (distinct random megabytes behind a PDF header, so the store
accepts it and nothing compresses or dedupes it) into a temporary folder, then stores, re-stores
and verifies it in a child process, so the parent's own buffers are not counted in the peak
RSS. Everything it writes is deleted at the end. Named bench_*.py so pytest does not collect it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024


def make_source(path: Path, size_mb: int) -> None:
    block = bytearray(os.urandom(MIB))
    with path.open("wb") as fh:
        for i in range(size_mb):
            # A counter in each megabyte keeps the blocks distinct without calling urandom again.
            block[:8] = i.to_bytes(8, "little")
            if i == 0:
                fh.write(b"%PDF-1.7\n" + block[9:])
            else:
                fh.write(block)
        fh.flush()
        # The child's put fsyncs its own copy; keep the source's write-back out of that figure.
        os.fsync(fh.fileno())


def max_rss_kib() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux


def child(source: Path, root: Path, chunk_kib: int) -> None:
    repo = Path(__file__).resolve().parents[2]
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    from workflow.evidence import EvidenceStore

    size = source.stat().st_size
    store = EvidenceStore(root, max_bytes=size, chunk_size=chunk_kib * 1024)
    result: dict[str, object] = {"size": size, "rss_start_kib": max_rss_kib()}

    start = time.perf_counter()
    blob = store.put_path(source)
    result["put_s"] = time.perf_counter() - start
    result["rss_put_kib"] = max_rss_kib()
    assert blob.created and blob.size == size and blob.media_type == "pdf"

    start = time.perf_counter()
    again = store.put_path(source)
    result["reput_s"] = time.perf_counter() - start
    result["rss_reput_kib"] = max_rss_kib()
    assert not again.created and again.sha256 == blob.sha256

    start = time.perf_counter()
    report = store.verify([(blob.sha256, blob.size)])
    result["verify_s"] = time.perf_counter() - start
    result["rss_verify_kib"] = max_rss_kib()
    assert report.ok

    print(json.dumps(result))


def parent(size_mb: int, chunk_kib: int, where: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="zonecheck-bench-", dir=where) as tmp:
        source = Path(tmp) / "evidence.pdf"
        start = time.perf_counter()
        make_source(source, size_mb)
        made_s = time.perf_counter() - start

        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(source)]
        cmd += [str(Path(tmp) / "store"), "--chunk-kib", str(chunk_kib)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"child failed with exit code {done.returncode}")
        r = json.loads(done.stdout.strip().splitlines()[-1])

    size_mib = r["size"] / MIB
    print(f"EvidenceStore, {size_mib:.0f} MiB file, {chunk_kib} KiB chunks, {sys.platform}")
    print(f"source written (incl. fsync) in {made_s:.2f} s")
    print()
    print(f"{'step':<30} {'seconds':>8} {'MB/s':>9} {'peak RSS (MiB)':>15}")
    print(f"{'child after imports':<30} {'':>8} {'':>9} {r['rss_start_kib'] / 1024:>15.1f}")
    rows = [
        ("put_path (new blob)", r["put_s"], r["rss_put_kib"]),
        ("put_path (already stored)", r["reput_s"], r["rss_reput_kib"]),
        ("verify (re-hash)", r["verify_s"], r["rss_verify_kib"]),
    ]
    for label, seconds, rss in rows:
        print(f"{label:<30} {seconds:>8.2f} {size_mib / seconds:>9.0f} {rss / 1024:>15.1f}")
    grown = (r["rss_verify_kib"] - r["rss_start_kib"]) / 1024
    print()
    print(f"peak RSS grew {grown:.1f} MiB while handling {size_mib:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--chunk-kib", type=int, default=1024, help="EvidenceStore chunk_size")
    parser.add_argument("--dir", default=None, help="where to make the temporary folder")
    parser.add_argument("--child", nargs=2, metavar=("SOURCE", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.chunk_kib)
    else:
        parent(args.size_mb, args.chunk_kib, args.dir)


if __name__ == "__main__":
    main()
