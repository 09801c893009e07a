"""What vaultkit generated in a vault, read back: the markdown of every dashboard, a whole
generated file without its header line and a region without its markers (a note's regions
are hidden from the parser, so their text is read on its own)."""

from __future__ import annotations

from pathlib import Path

from vaultkit.markers import FILE_HEADER
from vaultkit.parse.regions import scan


def generated_markdown(vault: Path) -> dict[str, str]:
    """``{"Dashboards/Status.md": text, "Plan.md#topics": text, …}``, by vault path."""
    found: dict[str, str] = {}
    for path in sorted(vault.rglob("*.md")):
        relative = path.relative_to(vault).as_posix()
        if relative.startswith("."):
            continue
        text = path.read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        if FILE_HEADER.fullmatch(first):
            found[relative] = rest
            continue
        regions, _ = scan(path.read_bytes())
        lines = text.split("\n")
        for region in regions:
            found[f"{relative}#{region.name}"] = "\n".join(lines[region.begin : region.end - 1])
    return found
