"""The benchmark's vaults: generated once per (seed, notes), cached, and copied per run.

This module owns the work directory. A generated vault lives in ``WORK/seed{S}-n{N}-v{V}/``
(``WORK/{SHAPE}-seed{S}-n{N}-v{V}/`` for a shape other than the default) with its counts
beside it in a ``.json`` of the same name (written last, so a vault without its
JSON is an interrupted generation and is made again). vaultkit writes dashboards into the
vault it syncs, so its measurements run on a throw-away copy (:func:`working_copy`); the
floors and the peer only read, and use the cached vault itself.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from benchmarks.generate import GENERATOR_VERSION, GeneratedVault, generate_vault

__all__ = ["DEFAULT_WORK_DIR", "cached_vault", "working_copy"]

DEFAULT_WORK_DIR = Path(__file__).resolve().parent / ".vaults"
"""Where generated vaults are kept between runs (gitignored)."""


def cached_vault(
    work_dir: Path, notes: int, seed: int, shape: str = "default"
) -> tuple[Path, GeneratedVault, bool]:
    """The generated vault for ``(seed, notes, shape)``, its counts, and whether it was made
    now. The default shape keeps its name of before shapes existed (no cache is made again)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    prefix = "" if shape == "default" else f"{shape}-"
    name = f"{prefix}seed{seed}-n{notes}-v{GENERATOR_VERSION}"
    vault = work_dir / name
    stats_file = work_dir / f"{name}.json"
    if vault.is_dir() and stats_file.is_file():
        data = json.loads(stats_file.read_text(encoding="utf-8"))
        return vault, GeneratedVault(**data), False
    stats_file.unlink(missing_ok=True)
    if vault.exists():
        shutil.rmtree(vault)
    partial = work_dir / f"{name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    generated = generate_vault(partial, notes, seed, shape)
    partial.rename(vault)
    stats_file.write_text(json.dumps(dataclasses.asdict(generated), indent=2), encoding="utf-8")
    return vault, generated, True


def working_copy(vault: Path, run_dir: Path) -> Path:
    """A fresh copy of ``vault`` inside ``run_dir`` for vaultkit to write into."""
    copy = run_dir / vault.name
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(vault, copy)
    return copy
