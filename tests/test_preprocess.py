"""One job unit with real sox on real files."""

import os

import pytest
import soundfile

from f5flow import preprocess, records
from f5flow.records import ClipRecord, SourceAudio
from f5flow.inputs import Entry

from conftest import write_wav


def run(tmp_path, entries, lowercase=True):
    out = tmp_path / "out"
    return preprocess.process_unit(entries, str(tmp_path), str(out), threads=2, lowercase=lowercase), out


def test_stereo_44k_float_becomes_24k_mono_pcm16(tmp_path):
    write_wav(tmp_path / "a.wav", seconds=2.5, rate=44100, channels=2, subtype="FLOAT")
    (tmp_path / "a.txt").write_text("Một hai ba bốn")
    [record], out = run(tmp_path, [Entry("a", "a.wav", "a.txt")])
    info = soundfile.info(str(out / "a.wav"))
    assert (info.samplerate, info.channels, info.subtype) == (24000, 1, "PCM_16")
    assert abs(info.duration - 2.5) / 2.5 < 0.01
    assert record.problem is None
    assert record.text == "một hai ba bốn" and record.words == 4
    assert record.source == SourceAudio(sample_rate=44100, channels=2, subtype="FLOAT", duration=2.5)
    assert abs(record.duration - 2.5) < 0.01


def test_broken_audio_is_recorded_not_raised(tmp_path):
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x00\x00garbage" * 10)
    (tmp_path / "bad.txt").write_text("xin chào các bạn")
    write_wav(tmp_path / "ok.wav", seconds=1.5)
    (tmp_path / "ok.txt").write_text("xin chào các bạn")
    records, out = run(tmp_path, [Entry("bad", "bad.wav", "bad.txt"), Entry("ok", "ok.wav", "ok.txt")])
    assert records[0].problem == "unreadable_audio"
    assert "sox exit" in records[0].detail and str(tmp_path) not in records[0].detail
    assert records[1].problem is None
    assert sorted(os.listdir(out)) == ["ok.wav"]


def test_missing_partner_and_bad_text(tmp_path):
    write_wav(tmp_path / "solo.wav")
    (tmp_path / "lonely.txt").write_text("chỉ có lời thôi")
    write_wav(tmp_path / "latin1.wav")
    (tmp_path / "latin1.txt").write_bytes("xin chào".encode("latin-1"))
    records, out = run(
        tmp_path,
        [
            Entry("latin1", "latin1.wav", "latin1.txt"),
            Entry("lonely", transcript="lonely.txt"),
            Entry("solo", audio="solo.wav"),
        ],
    )
    assert [r.problem for r in records] == ["invalid_utf8", "missing_audio", "missing_transcript"]
    assert records[1].file == "lonely.txt"
    # stage 0 still resamples every readable recording
    assert sorted(os.listdir(out)) == ["latin1.wav", "solo.wav"]


def test_discovery_problem_skips_processing(tmp_path):
    [record], out = run(tmp_path, [Entry("notes.md", problem="unsupported_file", detail="d")])
    assert (record.problem, record.detail, record.file) == ("unsupported_file", "d", "notes.md")


def test_records_round_trip(tmp_path):
    recs = [
        ClipRecord(name="tiếng", file="tiếng.wav", text='a|b "c"', words=2, duration=1.5,
                   source=SourceAudio(44100, 2, "FLOAT", 1.5)),
        ClipRecord(name="x", file="x.md", problem="unsupported_file", detail="d"),
    ]
    path = tmp_path / "r.jsonl"
    records.write_records(str(path), recs)
    assert records.read_records(str(path)) == recs
    assert "tiếng" in path.read_text(encoding="utf-8")  # readable, not \u-escaped


def test_unknown_record_field_is_refused():
    with pytest.raises(ValueError, match="unknown fields"):
        ClipRecord.from_json('{"name": "a", "file": "a.wav", "peak": 1.0}')


def test_metadata_path_round_trip():
    for name in ("a", "tiếng việt", "x|y", "wavs"):
        assert records.name_from_metadata_path(records.metadata_path(name)) == name
    assert records.metadata_path("a") == "wavs/a.wav"
    with pytest.raises(ValueError):
        records.name_from_metadata_path("clips/a.wav")
