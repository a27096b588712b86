"""Time and peak memory of reading hostile files: what the bounds in workflow.evidence,
reports.bundle.verifying and checklists.catalog_yaml buy.

    python tests/bench/bench_hostile_files.py [--entries 3900000] [--inflate-gib 4] [--zipfile] [--dir DIR]

Builds each attack file in a temporary folder, then handles each in a fresh child process
(so one case's memory does not count in the next), printing seconds, the child's peak RSS
and its growth over the RSS after imports. --zipfile also times the old way of sniffing a ZIP
(zipfile listing the whole directory): 2.2 GB of memory for 3.9 million entries. Everything
written is deleted at the end. Named bench_*.py so pytest does not collect it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MIB = 1024 * 1024
GIB = 1024 * MIB
def max_rss_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


# --------------------------------------------------------------------------- the files


def build(folder: Path, entries: int, inflate_gib: int) -> dict[str, Path]:
    from tests.support.hostile_zips import (
        ALIAS_BOMB,
        bundle,
        deflated_stream,
        listed,
        repeated,
        stored,
        zip_of_empty_entries,
    )

    files: dict[str, Path] = {}
    files["many-entries.zip"] = zip_of_empty_entries(folder / "many-entries.zip", entries)
    files["many-entries-understated.zip"] = zip_of_empty_entries(
        folder / "many-entries-understated.zip", entries, declared=1
    )
    big_manifest = deflated_stream("manifest.json", repeated(b" ", GIB))
    files["manifest-1gib.zip"] = bundle(folder / "manifest-1gib.zip", [], manifest=big_manifest)
    big_manifest.file_size = 1000  # the header understates it
    files["manifest-1gib-understated.zip"] = bundle(folder / "manifest-1gib-understated.zip", [], manifest=big_manifest)
    bomb = deflated_stream("p/a.pdf", repeated(b"\x00", inflate_gib * GIB))
    files["member-10b-declared.zip"] = bundle(folder / "member-10b-declared.zip", [(bomb, listed(b"0123456789"))])
    bomb.file_size = 10
    files["member-10b-header.zip"] = bundle(folder / "member-10b-header.zip", [(bomb, listed(b"\x00" * 10))])
    link = stored("p/a.pdf", b"../../etc/passwd", mode=0o120777)
    files["symlink.zip"] = bundle(folder / "symlink.zip", [(link, listed(b"../../etc/passwd"))])
    (folder / "alias-bomb.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    files["alias-bomb.yaml"] = folder / "alias-bomb.yaml"
    return files


# ------------------------------------------------------------------------------- cases


def run_case(case: str, path: Path) -> dict[str, object]:
    """In the child: handle one file the way the product does, and say what came of it."""
    from checklists.catalog_yaml import read_catalog
    from reports.bundle import verify_bundle
    from workflow.errors import ZonecheckError
    from workflow.evidence import EvidenceStore
    from workflow.evidence.filetypes import sniff

    start_rss = max_rss_kib()
    start = time.perf_counter()
    outcome: str
    try:
        if case == "zipfile":
            import zipfile

            with zipfile.ZipFile(path) as archive:
                outcome = f"zipfile listed {len(archive.infolist())} entries"
        elif case == "sniff":
            outcome = repr(sniff(path))  # raises ContentRefused (a ValueError) past the bound
        elif case == "put":
            with tempfile.TemporaryDirectory() as root:
                outcome = repr(EvidenceStore(Path(root), max_bytes=1 << 40).put_path(path))
        elif case == "verify":
            check = verify_bundle(path)
            outcome = "ok" if check.ok else "; ".join(check.problems)
        elif case == "catalog":
            outcome = repr(read_catalog(path))
        else:
            raise SystemExit(f"unknown case {case}")
    except (ZonecheckError, ValueError) as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    peak = max_rss_kib()
    return {"seconds": seconds, "rss_grew_kib": peak - start_rss, "rss_kib": peak, "outcome": outcome}


PLAN = [
    ("many-entries.zip", "sniff", "type detection: ZIP stating {entries:,} entries"),
    ("many-entries-understated.zip", "sniff", "type detection: same, end record says 1 entry"),
    ("many-entries.zip", "put", "upload (copy, hash, detect): ZIP of {entries:,} entries"),
    ("many-entries.zip", "zipfile", "(old way) zipfile lists the whole directory"),
    ("manifest-1gib.zip", "verify", "bundle: manifest.json inflating to 1 GiB"),
    ("manifest-1gib-understated.zip", "verify", "bundle: same, header says 1000 bytes"),
    ("member-10b-declared.zip", "verify", "bundle: member listed as 10 B, {inflate} GiB inflated"),
    ("member-10b-header.zip", "verify", "bundle: same, its header says 10 B too"),
    ("symlink.zip", "verify", "bundle: a symlink listed in the manifest"),
    ("alias-bomb.yaml", "catalog", "catalog: 8 levels of YAML anchors"),
]


def parent(entries: int, inflate_gib: int, with_zipfile: bool, where: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="zonecheck-hostile-", dir=where) as tmp:
        started = time.perf_counter()
        files = build(Path(tmp), entries, inflate_gib)
        print(f"built {len(files)} attack files in {time.perf_counter() - started:.1f} s:")
        for name, path in files.items():
            print(f"  {name:<34} {path.stat().st_size / MIB:>9.2f} MiB")
        print()
        print(f"{'case':<52} {'seconds':>8} {'peak RSS MiB':>13} {'+MiB':>7}  outcome")
        for name, case, label in PLAN:
            if case == "zipfile" and not with_zipfile:
                continue
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", case, str(files[name])]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.stderr.write(done.stdout + done.stderr)
                raise SystemExit(f"child failed with exit code {done.returncode}")
            r = json.loads(done.stdout.strip().splitlines()[-1])
            text = label.format(entries=entries, inflate=inflate_gib)
            outcome = str(r["outcome"]).replace(tmp, "…")
            print(
                f"{text:<52} {r['seconds']:>8.2f} {r['rss_kib'] / 1024:>13.1f} "
                f"{r['rss_grew_kib'] / 1024:>7.1f}  {outcome[:110]}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=3_900_000, help="entries of the big ZIP")
    parser.add_argument("--inflate-gib", type=int, default=4, help="GiB the member bomb inflates to")
    parser.add_argument("--zipfile", action="store_true", help="also time zipfile listing the big ZIP")
    parser.add_argument("--dir", default=None, help="where to make the temporary folder")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(args.child[0], Path(args.child[1]))))
    else:
        parent(args.entries, args.inflate_gib, args.zipfile, args.dir)


if __name__ == "__main__":
    main()
