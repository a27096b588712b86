"""Regenerate the seed catalogs: `python -m checklists.seeds [SEEDS_DIR]`."""

from __future__ import annotations

import sys
from pathlib import Path

from checklists.seeds import catalog_path, default_seeds_dir, render


def main(argv: list[str]) -> int:
    seeds = Path(argv[0]) if argv else default_seeds_dir()
    documents = sorted(seeds.glob("*.txt"))
    if not documents:
        print(f"错误:{seeds} 中没有方案文件(*.txt)", file=sys.stderr)
        return 2
    for document in documents:
        path = catalog_path(document)
        path.write_text(render(document), encoding="utf-8")
        print(f"已写入 {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
