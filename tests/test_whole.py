import pytest

from f5flow import report, rulescript, synthesis
from f5flow.whole import written


def test_an_output_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "sample_00.wav"
    with pytest.raises(KeyboardInterrupt), written(str(target)) as partial:
        with open(partial, "wb") as f:
            f.write(b"RIFF half")
        raise KeyboardInterrupt  # Ctrl-C in the middle of the write
    assert list(tmp_path.iterdir()) == []  # neither the output nor the partial file
    target.write_bytes(b"the previous sample")
    with pytest.raises(OSError), written(str(target)) as partial:
        raise OSError("disk full")
    assert target.read_bytes() == b"the previous sample"  # the old output is not damaged
    with written(str(target)) as partial:
        assert partial.endswith(".wav")  # writers that read the format from the name still can
        with open(partial, "wb") as f:
            f.write(b"whole")
    assert target.read_bytes() == b"whole" and [p.name for p in tmp_path.iterdir()] == ["sample_00.wav"]


def test_samples_pages_and_records_are_written_whole(tmp_path, monkeypatch):
    import numpy as np

    import f5flow.whole as whole

    used = []

    original = whole.written

    def spy(path):
        used.append(path)
        return original(path)

    for module in (synthesis, report, rulescript):  # each writes through written()
        monkeypatch.setattr(module, "written", spy)
    synthesis.write_wav(str(tmp_path / "s.wav"), np.zeros(2400, dtype=np.float32))
    report.write(str(tmp_path / "p.html"), "<p>x</p>")
    rulescript.write_json(str(tmp_path / "r.json"), {"a": 1})
    assert used == [str(tmp_path / n) for n in ("s.wav", "p.html", "r.json")]
