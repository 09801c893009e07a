"""atheris harness: ``splice_regions`` on arbitrary notes keeps every byte outside the region.

The input is split in two: the note's bytes and the generated text. Checked for every input
that holds a region ``r``: a second splice of the same text changes nothing, the region can be
replaced again, and emptying the region of the old and the new note gives identical bytes
(so nothing outside it moved).

Run: ``python tests/fuzz/fuzz_writeback.py -atheris_runs=200000 tests/fuzz/corpus/writeback``
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from vaultkit.writeback.regions import RegionContent, WriteStatus, splice_regions

SEED_NOTE = b"# Note\n%% vaultkit:begin r %%\nold\n%% vaultkit:end r 0badc0de %%\ntail\n"


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    text = provider.ConsumeUnicodeNoSurrogates(provider.ConsumeIntInRange(0, 200))
    note = provider.ConsumeBytes(provider.remaining_bytes())
    if b"vaultkit" not in note:
        note = note + SEED_NOTE  # most inputs then hold a region to work on
    regions = [RegionContent("r", "\n" + text + "\n\n")]
    new, outcomes = splice_regions(note, regions)
    if new is None:
        if not outcomes or not all(o[0] is WriteStatus.ERROR and o[1] for o in outcomes):
            raise AssertionError(f"refused without a message: {outcomes}")
        return
    if new == note:
        return
    again, second = splice_regions(new, regions)
    if again != new or [o[0] for o in second] != [WriteStatus.UNCHANGED]:
        raise AssertionError("a second run would write again")
    if splice_regions(new, [RegionContent("r", "other\n")])[0] is None:
        raise AssertionError("the written note no longer has a usable region")
    empty = [RegionContent("r", "")]
    if splice_regions(new, empty, force=True)[0] != splice_regions(note, empty, force=True)[0]:
        raise AssertionError("bytes outside the region changed")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
