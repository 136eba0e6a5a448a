"""One job unit on real files."""

import os

import pytest
import soundfile

from f5flow import preprocess, records
from f5flow.records import Entry
from f5flow.records import AudioQuality, ClipRecord, SourceAudio
from f5flow.text import TextOptions

from conftest import write_wav


def run(tmp_path, entries, options=TextOptions()):
    out = tmp_path / "out"
    return preprocess.process_unit(entries, str(tmp_path), str(out), threads=2, options=options), out


def test_stereo_44k_float_becomes_24k_mono_pcm16(tmp_path):
    write_wav(tmp_path / "a.wav", seconds=2.5, rate=44100, channels=2, subtype="FLOAT")
    (tmp_path / "a.txt").write_text("Một hai ba bốn")
    [record], out = run(tmp_path, [Entry("a", "a.wav", "a.txt")])
    info = soundfile.info(str(out / "a.wav"))
    assert (info.samplerate, info.channels, info.subtype) == (24000, 1, "PCM_16")
    assert info.frames == 2.5 * 24000
    assert record.problem is None
    assert record.text == "một hai ba bốn" and record.words == 4
    assert record.source == SourceAudio(sample_rate=44100, channels=2, format="WAV/FLOAT", duration=2.5)
    assert record.duration == 2.5
    assert -10.5 < record.quality.peak_dbfs < -10.4  # 0.3 of full scale
    assert record.quality.clipped_fraction == 0 and record.quality.dc_offset < 0.01


def test_text_comes_from_the_entry_when_a_table_gave_it(tmp_path):
    write_wav(tmp_path / "a.wav")
    [record], _ = run(tmp_path, [Entry("a", "a.wav", "metadata.csv:3", text="Năm 2024 đẹp")])
    assert record.text == "năm hai nghìn không trăm hai mươi bốn đẹp"
    [record], _ = run(tmp_path, [Entry("a", "a.wav", "metadata.csv:3", text="Năm 2024 đẹp")],
                      TextOptions(verbalise=False))  # fmt: skip
    assert (record.text, record.digits) == ("năm 2024 đẹp", True)


def test_the_file_at_fault_is_named(tmp_path):
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x00\x00garbage" * 10)
    (tmp_path / "bad.txt").write_text("xin chào các bạn")
    write_wav(tmp_path / "latin1.wav")
    (tmp_path / "latin1.txt").write_bytes("xin chào".encode("latin-1"))
    write_wav(tmp_path / "ok.wav", seconds=1.5)
    (tmp_path / "ok.txt").write_text("xin chào các bạn")
    recs, out = run(tmp_path, [Entry("bad", "bad.wav", "bad.txt"), Entry("latin1", "latin1.wav", "latin1.txt"),
                               Entry("ok", "ok.wav", "ok.txt")])  # fmt: skip
    assert (recs[0].file, recs[0].problem) == ("bad.wav", "unreadable_audio")
    assert str(tmp_path) not in recs[0].detail
    assert (recs[1].file, recs[1].problem) == ("latin1.txt", "invalid_encoding")
    assert recs[2].problem is None
    assert sorted(os.listdir(out)) == ["latin1.wav", "ok.wav"]  # no half-written file


def test_truncated_wav_is_rejected_not_kept_half(tmp_path):
    write_wav(tmp_path / "t.wav", seconds=3.0)
    size = os.path.getsize(tmp_path / "t.wav")
    with open(tmp_path / "t.wav", "r+b") as f:
        f.truncate(size * 2 // 3)
    (tmp_path / "t.txt").write_text("xin chào các bạn")
    [record], out = run(tmp_path, [Entry("t", "t.wav", "t.txt")])
    assert record.problem == "truncated_audio"
    assert "promises 3.000 s" in record.detail and "holds 2.0" in record.detail


def test_discovery_problem_skips_processing(tmp_path):
    [record], out = run(tmp_path, [Entry("notes.md", problem="unsupported_file", detail="d")])
    assert (record.problem, record.detail, record.file) == ("unsupported_file", "d", "notes.md")


def test_records_round_trip(tmp_path):
    recs = [
        ClipRecord(name="tiếng", file="tiếng.wav", text='a|b "c"', words=2, duration=1.5,
                   source=SourceAudio(44100, 2, "WAV/FLOAT", 1.5),
                   quality=AudioQuality(float("-inf"), -20.0, 0.0, 0.001, "ab")),
        ClipRecord(name="x", file="x.md", problem="unsupported_file", detail="d"),
    ]
    path = tmp_path / "r.jsonl"
    records.write_records(str(path), recs)
    assert records.read_records(str(path)) == recs
    assert "tiếng" in path.read_text(encoding="utf-8")  # readable, not \u-escaped


def test_unknown_record_field_is_refused():
    with pytest.raises(ValueError, match="unknown fields"):
        ClipRecord.from_json('{"name": "a", "file": "a.wav", "loudness": 1.0}')


def test_metadata_path_round_trip():
    for name in ("a", "tiếng việt", "x_y", "wavs"):
        assert records.name_from_metadata_path(records.metadata_path(name)) == name
    assert records.metadata_path("a") == "wavs/a.wav"
    with pytest.raises(ValueError):
        records.name_from_metadata_path("clips/a.wav")
