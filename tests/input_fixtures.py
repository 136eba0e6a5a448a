"""Builds input folders the way users have them, and what must become of every file in them.

`build(kind, root)` writes one folder and returns its `Expected` fates: one folder per layout
(pairs flat and nested, LJSpeech tables with 2 and 3 columns, F5-TTS's table with a header, NeMo
JSON-lines manifests, Common Voice releases with the newer and the older column set, Hugging Face
parquet and save_to_disk data written by the `datasets` library and an audiofolder, a Kaldi data
directory with segments, MFA `.lab` and LibriTTS), one per audio format (FLAC, MP3, Ogg Vorbis,
Opus, M4A), a hostile folder with every messy case users send, and a folder where nothing can be
kept. `input_dir` names a file inside the folder where `Expected.input` says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field

import numpy as np
import soundfile

# Canonical already (lower case, old tone style, no digits): the expected text is the same.
SENTENCES = [
    "xin chào, tôi là người việt nam.",
    "hôm nay trời đẹp quá, chúng ta đi dạo nhé.",
    "tiếng việt có sáu thanh điệu khác nhau.",
    "những người bạn cũ vẫn thường gặp nhau.",
    "mẹ tôi nấu ăn rất ngon vào cuối tuần.",
    "buổi sáng ở hà nội thường có sương mù.",
    "em gái tôi đang học đại học ở sài gòn.",
    "chúng tôi sẽ đi du lịch vào mùa hè này.",
    "quyển sách này rất hay và bổ ích.",
    "ông bà tôi sống ở một ngôi làng nhỏ.",
    "trời mưa to nên đường phố rất vắng.",
    "cô giáo dạy chúng tôi hát một bài mới.",
    "anh ấy làm việc ở một công ty lớn.",
    "bữa tối hôm qua có cá kho và canh chua.",
    "người dân ở đây rất thân thiện và hiếu khách.",
    "con mèo nằm ngủ trên chiếc ghế cạnh cửa sổ.",
]
CHARS_PER_SECOND = 12.0  # a natural Vietnamese reading pace


def chapter(texts: list[str], **kwargs):
    """A long recording of `texts` with known sentence spans (devtools.espeak.chapter)."""
    from devtools import espeak

    return espeak.chapter(texts, **kwargs)


@dataclass
class Expected:
    """What the workflow must make of a folder."""

    kept: dict[str, str] = field(default_factory=dict)  # clip name -> canonical text
    rejected: dict[str, str] = field(default_factory=dict)  # file at fault -> reason
    flagged: dict[str, set[str]] = field(default_factory=dict)  # clip name -> quality checks
    ignored: set[str] = field(default_factory=set)  # hidden/system files and folders
    silence: dict[str, str] = field(default_factory=dict)  # audio file -> quality.tsv silence
    trimmed: dict[str, tuple[float, float]] = field(default_factory=dict)  # clip -> seconds cut (start, end)
    # inputs whose clip names collide: input audio file -> text (names get ~hash)
    collisions: dict[str, str] = field(default_factory=dict)
    exit_ok: bool = True
    unused: set[str] = field(default_factory=set)  # files of the layout not read (unused_file)
    speakers: dict[str, str] = field(default_factory=dict)  # clip name -> speaker, where told
    how: tuple[str, ...] = ()  # said on the console: the layout and the text column read
    input: str = ""  # input_dir below the folder ("": the folder itself)


_SPEECH: dict[tuple[int, str], np.ndarray] = {}


def _voiced(audio: np.ndarray) -> np.ndarray:
    """Without the silence espeak-ng leaves before and after a sentence."""
    loud = np.flatnonzero(np.abs(audio) > 0.02)
    return audio[loud[0]: loud[-1] + 1]


def speech(rate: int, voice: str = "vi") -> np.ndarray:
    """espeak-ng reading SENTENCES without their pauses (peak 1), made once per rate and voice:
    the stage 0 voice activity check hears speech in every stretch of it."""
    if (rate, voice) not in _SPEECH:
        from devtools import espeak

        pool = espeak.speech_pool([s.replace(",", "").rstrip(".") for s in SENTENCES], rate=rate, voice=voice)
        joined = np.concatenate([_voiced(audio) for _, audio in pool])
        _SPEECH[rate, voice] = joined / np.abs(joined).max()
    return _SPEECH[rate, voice]


class Writer:
    """Distinct, deterministic clips of speech (each clip's own stretch, with its own noise: each
    clip's audio hash differs)."""

    def __init__(self, root: str):
        self.root = root
        self.count = 0

    def path(self, rel: str) -> str:
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def signal(self, seconds: float, rate: int, amplitude=0.3, offset=0.0, channels=1, noise=0.01,
               pad=0.0, pink=False, voice="vi"):  # fmt: skip
        """`seconds` of speech in espeak-ng's `voice` (pink noise instead where `pink`), `pad`
        seconds of quiet room noise before and after."""
        self.count += 1
        rng = np.random.default_rng(self.count)
        n = int(round(seconds * rate))
        if pink:  # 1/f power: what a fan, traffic or a hiss sounds like
            spectrum = np.fft.rfft(rng.standard_normal(n)) / np.sqrt(np.maximum(np.arange(n // 2 + 1), 1))
            sound = np.fft.irfft(spectrum, n)
            sound /= np.abs(sound).max()
        else:
            sound = speech(rate, voice)
            start = (self.count * 7919 * rate // 100) % len(sound)  # each clip its own stretch
            sound = np.resize(np.roll(sound, -start), n)
        quiet = np.zeros(int(round(pad * rate)))
        wave = amplitude * np.concatenate([quiet, sound, quiet]) + offset
        wave = wave + noise * rng.standard_normal(len(wave))
        return np.stack([wave] * channels, axis=1) if channels > 1 else wave

    def audio(self, rel: str, seconds: float, rate=16000, fmt="wav", **signal) -> str:
        path = self.path(rel)
        data = self.signal(seconds, rate, **signal)
        if fmt == "m4a":
            tmp = path + ".tmp.wav"
            soundfile.write(tmp, data, rate, subtype="PCM_16")
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", tmp, "-c:a", "aac", "-f", "mp4",
                            path], check=True)  # fmt: skip
            os.remove(tmp)
        else:
            kind = {"wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16"), "mp3": ("MP3", None),
                    "ogg": ("OGG", "VORBIS"), "opus": ("OGG", "OPUS")}[fmt]  # fmt: skip
            soundfile.write(path, data, rate, format=kind[0], subtype=kind[1])
        return path

    def text(self, rel: str, content: str, encoding="utf-8") -> None:
        with open(self.path(rel), "wb") as f:
            f.write(content.encode(encoding))

    def clip(self, rel_stem: str, sentence: str, fmt="wav", seconds=None, **signal) -> None:
        """A recording with its .txt beside it, as long as the sentence takes to read."""
        if seconds is None:
            seconds = max(1.5, len(sentence.replace(" ", "")) / CHARS_PER_SECOND)
        rate = 48000 if fmt == "opus" else 16000
        self.audio(f"{rel_stem}.{fmt}", seconds, rate=rate, fmt=fmt, **signal)
        self.text(f"{rel_stem}.txt", sentence)


def pairs_flat(w: Writer) -> Expected:
    exp = Expected()
    for i, sentence in enumerate(SENTENCES[:4]):
        w.clip(f"clip{i}", sentence)
        exp.kept[f"clip{i}"] = sentence
    return exp


def pairs_nested(w: Writer) -> Expected:
    # the same file names in two speakers' folders never collide
    exp = Expected()
    for i, (spk, chapter) in enumerate([("spk1", "ch1"), ("spk1", "ch2"), ("spk2", "ch1")]):
        for j in range(2):
            sentence = SENTENCES[2 * i + j]
            w.clip(f"{spk}/{chapter}/utt{j}", sentence)
            exp.kept[f"{spk}__{chapter}__utt{j}"] = sentence
            exp.speakers[f"{spk}__{chapter}__utt{j}"] = spk  # the first folder
    return exp


def _table_audio(w: Writer, ids, exp: Expected, texts) -> None:
    for ident, sentence in zip(ids, texts):
        w.audio(f"wavs/{ident}.wav", max(1.5, len(sentence) / CHARS_PER_SECOND))
        exp.kept[ident] = sentence


def ljspeech(w: Writer) -> Expected:
    exp = Expected()
    ids = [f"LJ001-000{i}" for i in range(1, 6)]
    _table_audio(w, ids, exp, SENTENCES[:5])
    w.audio("wavs/LJ009-0009.wav", 2.0)  # on disk, in no row
    exp.rejected["wavs/LJ009-0009.wav"] = "not_in_table"
    rows = [f"{i}|{s}" for i, s in zip(ids, SENTENCES)] + ["LJ001-0009|xin chào các bạn", "broken"]
    rows[1] += "|" + SENTENCES[1]  # the normalized column, the same text here
    exp.rejected["metadata.csv:6"] = "missing_audio"
    exp.rejected["metadata.csv:7"] = "bad_table_row"
    w.text("metadata.csv", "\n".join(rows) + "\n")
    w.text("README", "LJSpeech-style dataset\n")
    exp.rejected["README"] = "unsupported_file"
    return exp


def ljspeech_normalized(w: Writer) -> Expected:
    # the third column (normalized) is read where a row has one
    exp = Expected()
    ids = ["a1", "a2", "a3"]
    _table_audio(w, ids, exp, SENTENCES[:3])
    raw = ["Xin chào, tôi là người VN.", "Hôm nay trời đẹp quá, chúng ta đi dạo nhé.", ""]
    rows = [f"{i}|{r}|{s}" for i, r, s in zip(ids[:2], raw, SENTENCES)] + [f"a3|{SENTENCES[2]}"]
    w.text("metadata.csv", "\n".join(rows) + "\n")
    return exp


def f5_table(w: Writer) -> Expected:
    exp = Expected()
    ids = ["one", "two", "three"]
    _table_audio(w, ids, exp, SENTENCES[:3])
    rows = ["audio_file|text"] + [f"wavs/{i}.wav|{s}" for i, s in zip(ids, SENTENCES)]
    w.text("metadata.csv", "\n".join(rows) + "\n")
    return exp


def nemo_manifest(w: Writer) -> Expected:
    import json

    exp = Expected()
    lines = []
    for i, sentence in enumerate(SENTENCES[:3]):
        rel = f"audio/u{i}.flac"
        w.audio(rel, max(1.5, len(sentence) / CHARS_PER_SECOND), fmt="flac")
        # one path absolute, as NeMo manifests often hold
        path = os.path.join(w.root, rel) if i == 2 else rel
        lines.append(json.dumps({"audio_filepath": path, "text": sentence, "duration": 9.9},
                                ensure_ascii=False))  # fmt: skip
        exp.kept[f"audio__u{i}"] = sentence
    lines.append("{not json")
    exp.rejected["train_manifest.json:4"] = "bad_manifest_line"
    w.text("train_manifest.json", "\n".join(lines) + "\n")
    return exp


def audio_format(fmt: str):
    def build(w: Writer) -> Expected:
        exp = Expected()
        for i, sentence in enumerate(SENTENCES[:3]):
            w.clip(f"{fmt}{i}", sentence, fmt=fmt)
            exp.kept[f"{fmt}{i}"] = sentence
        return exp

    return build


def hostile(w: Writer) -> Expected:
    exp = Expected()
    good = SENTENCES[4:14]
    for i, sentence in enumerate(good):
        w.clip(f"good{i:02d}", sentence)
        exp.kept[f"good{i:02d}"] = sentence
    # names with characters Snakemake, shells and CSV readers care about: kept
    for name, clip in [("{braces} [x] & y", "{braces} [x] & y"), ("it's \"quoted\"", "it's \"quoted\""),
                       ("pipe|name", "pipe_name")]:  # fmt: skip
        w.clip(name, SENTENCES[14])
        exp.kept[clip] = SENTENCES[14]
        exp.flagged[clip] = {"duplicate_text"}
    first = sorted(["{braces} [x] & y", "it's \"quoted\"", "pipe_name"])[0]
    del exp.flagged[first]
    # two inputs that map to the same clip name: both kept, told apart by a hash
    w.clip("x__y", SENTENCES[0])
    w.clip("x/y", SENTENCES[1])
    exp.collisions = {"x__y.wav": SENTENCES[0], "x/y.wav": SENTENCES[1]}
    # text the canonicaliser rewrites: typographic quotes, a leading quote, digits, tone style,
    # capitals; a UTF-16 transcript with a BOM
    w.clip("quotes", "“Hoà bình” – anh ‘Ba’ nói, năm 2024 rất vui.")
    # quotes dropped, tone style old, lower case; the verbaliser reads the year and the dash
    exp.kept["quotes"] = "hòa bình, anh ba nói, năm hai nghìn không trăm hai mươi bốn rất vui."
    w.audio("utf16.wav", 3.0)
    w.text("utf16.txt", "\ufeffThủy thủ đoàn đã về bến an toàn.", encoding="utf-16-le")
    exp.kept["utf16"] = "thủy thủ đoàn đã về bến an toàn."
    # broken audio: truncated copies are rejected, not kept half
    for fmt in ("wav", "flac"):
        w.clip(f"truncated_{fmt}", SENTENCES[15], fmt=fmt, seconds=3.0)
        path = os.path.join(w.root, f"truncated_{fmt}.{fmt}")
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.truncate(size // 2)
        exp.rejected[f"truncated_{fmt}.{fmt}"] = "truncated_audio"
    w.text("garbage.wav", "RIFF....WAVEfmt not audio at all")
    w.text("garbage.txt", SENTENCES[3])
    exp.rejected["garbage.wav"] = "unreadable_audio"
    # transcript problems name the .txt
    w.audio("latin1.wav", 2.5)
    w.text("latin1.txt", "xin chào ông bà nhé", encoding="latin-1")
    exp.rejected["latin1.txt"] = "invalid_encoding"
    w.audio("empty.wav", 2.5)
    w.text("empty.txt", " \n“ ”\n")
    exp.rejected["empty.txt"] = "empty_text"
    w.clip("few_words", "xin chào", seconds=1.5)
    exp.rejected["few_words.wav"] = "too_few_words"
    w.clip("short", SENTENCES[5], seconds=0.5)
    exp.rejected["short.wav"] = "too_short"
    w.clip("long", SENTENCES[6], seconds=35.0)
    exp.rejected["long.wav"] = "too_long"
    w.audio("very_long.wav", 61.0, rate=8000)
    w.text("very_long.txt", SENTENCES[7])
    exp.rejected["very_long.wav"] = "too_long"
    # orphans, a duplicate stem, a stray file, an unusable name
    w.audio("orphan.wav", 2.0)
    exp.rejected["orphan.wav"] = "missing_transcript"
    w.text("lonely.txt", SENTENCES[8])
    exp.rejected["lonely.txt"] = "missing_audio"
    w.clip("twice", SENTENCES[9])
    w.audio("twice.flac", 2.0)
    exp.kept["twice"] = SENTENCES[9]
    exp.flagged["twice"] = {"duplicate_text"}
    exp.rejected["twice.wav"] = "duplicate_name"
    w.text("notes.md", "# recording notes\n")
    exp.rejected["notes.md"] = "unsupported_file"
    w.text("bell\x07.txt", SENTENCES[10])
    exp.rejected["bell\\x07.txt"] = "unsafe_name"
    # quality: silence dropped; clipping, DC offset, a transcript that cannot match its audio and
    # a repeated text flagged; a copy of a recording dropped
    w.clip("silent", "ở đây không có tiếng nói nào cả.", amplitude=0.0, noise=0.0, seconds=2.0)
    exp.rejected["silent.wav"] = "silence"
    exp.silence["silent.wav"] = "digital"
    w.clip("clipped", "âm thanh này bị méo vì quá to.", amplitude=1.6)
    exp.kept["clipped"] = "âm thanh này bị méo vì quá to."
    # hard clipping distorts the voice too: its embedding sits far from the others' (0.76 of
    # their centroid against 0.87-0.95)
    exp.flagged["clipped"] = {"clipping", "speaker_outlier"}
    w.clip("dc", "tín hiệu này bị lệch khỏi số không.", offset=0.3)
    exp.kept["dc"] = "tín hiệu này bị lệch khỏi số không."
    exp.flagged["dc"] = {"dc_offset"}
    rushed = " ".join(SENTENCES[:5])
    w.clip("rushed", rushed, seconds=1.5)
    exp.kept["rushed"] = rushed
    exp.flagged["rushed"] = {"speaking_rate"}
    w.clip("cyrillic", "đây là chữ Ж trong một câu dài.")
    exp.kept["cyrillic"] = "đây là chữ trong một câu dài."  # the verbaliser drops it: flagged
    exp.flagged["cyrillic"] = {"lost_letters"}
    # scraped text: markup and a web address, dropped before the verbaliser reads them out; the
    # transcript is the file at fault
    w.clip("tagged", "xin chào <b>các bạn</b> thân mến của tôi.")
    exp.rejected["tagged.txt"] = "markup"
    w.clip("link", "mời các bạn đọc thêm ở https://vnexpress.net nhé.")
    exp.rejected["link.txt"] = "markup"
    # what voice activity hears: a transcript over pink noise dropped; 3 s of room noise before
    # and after the speech trimmed to 0.2 s, the clip kept (its noise floor a little below the
    # others': 0.01 lengthens the speech voice activity finds by 0.2 s, 0.001 makes its voice
    # print that of another room)
    w.clip("noise_only", "bản ghi này chỉ có tiếng ồn thôi.", seconds=3.0, pink=True)
    exp.rejected["noise_only.wav"] = "no_speech"
    w.clip("padded", SENTENCES[2], seconds=3.0, pad=3.0, noise=0.003)
    exp.kept["padded"] = SENTENCES[2]
    exp.trimmed["padded"] = (2.8, 2.8)
    # two clips in another voice (espeak-ng's vi+f4) among one voice's: flagged speaker_outlier
    for i, sentence in enumerate(["một giọng nói khác đọc câu này.", "người này không phải là người kia."]):
        w.clip(f"stranger{i}", sentence, voice="vi+f4")
        exp.kept[f"stranger{i}"] = sentence
        exp.flagged[f"stranger{i}"] = {"speaker_outlier"}
    shutil.copy(os.path.join(w.root, "good00.wav"), os.path.join(w.root, "good00_copy.wav"))
    w.text("good00_copy.txt", "một bản sao của bản ghi đầu tiên.")
    exp.rejected["good00_copy.wav"] = "duplicate_audio"
    # hidden and system files: ignored and counted
    for rel in (".DS_Store", "._good00.wav", "Thumbs.db", "__MACOSX/._good01.wav", ".git/HEAD"):
        w.text(rel, "system")
    exp.ignored = {".DS_Store", "._good00.wav", "Thumbs.db", "__MACOSX", ".git"}
    return exp


def nothing_kept(w: Writer) -> Expected:
    exp = Expected(exit_ok=False)
    w.clip("a", "xin chào", seconds=2.0)
    exp.rejected["a.wav"] = "too_few_words"
    w.audio("b.wav", 0.4)
    w.text("b.txt", SENTENCES[0])
    exp.rejected["b.wav"] = "too_short"
    return exp


def _seconds(sentence: str) -> float:
    return max(1.5, len(sentence.replace(" ", "")) / CHARS_PER_SECOND)


CV_NEW = ["client_id", "path", "sentence_id", "sentence", "sentence_domain", "up_votes",
          "down_votes", "age", "gender", "accents", "variant", "locale", "segment"]  # fmt: skip
CV_OLD = ["client_id", "path", "sentence", "up_votes", "down_votes", "age", "gender", "accent",
          "locale", "segment"]  # fmt: skip


def _cv_table(w: Writer, name: str, columns: list[str], rows: list[tuple[str, str, str]]) -> None:
    lines = ["\t".join(columns)]
    for client, clip, sentence in rows:
        values = {"client_id": client, "path": clip, "sentence": sentence, "locale": "vi",
                  "up_votes": "2", "down_votes": "0", "sentence_id": "ab" + clip[-5:-4]}  # fmt: skip
        lines.append("\t".join(values.get(c, "") for c in columns))
    w.text(name, "\n".join(lines) + "\n")


def common_voice(w: Writer) -> Expected:
    # a release with every table, the newer column set: validated less test is read
    exp = Expected(how=("commonvoice: Common Voice validated.tsv less test.tsv's clips", "text from column sentence, speaker client_id"))
    clips = [f"common_voice_vi_{i}.mp3" for i in range(7)]
    for i, clip in enumerate(clips):
        w.audio(f"clips/{clip}", _seconds(SENTENCES[i]), rate=48000 if i % 2 else 32000, fmt="mp3")
    speakers = ["c0ffee" * 4, "beef" * 6]
    validated = [(speakers[i % 2], clips[i], SENTENCES[i]) for i in range(5)]
    validated.append((speakers[0], "common_voice_vi_99.mp3", SENTENCES[9]))  # no such clip
    validated.append((speakers[1], clips[6], "xin chào"))  # too few words
    for i in range(4):
        exp.kept[clips[i].removesuffix(".mp3")] = SENTENCES[i]
        exp.speakers[clips[i].removesuffix(".mp3")] = speakers[i % 2]
    exp.rejected["validated.tsv:7"] = "missing_audio"
    exp.rejected[f"clips/{clips[6]}"] = "too_few_words"
    _cv_table(w, "validated.tsv", CV_NEW, validated)
    _cv_table(w, "test.tsv", CV_NEW, [validated[4]])  # held out: never trained on
    exp.unused.add("validated.tsv:6")
    _cv_table(w, "train.tsv", CV_NEW, validated[:2])
    _cv_table(w, "dev.tsv", CV_NEW, validated[2:3])
    _cv_table(w, "invalidated.tsv", CV_NEW, [(speakers[0], clips[5], SENTENCES[5])])
    _cv_table(w, "other.tsv", CV_NEW, [])
    w.text("clip_durations.tsv", "clip\tduration[ms]\n")
    exp.unused |= {"train.tsv", "dev.tsv", "invalidated.tsv", "other.tsv", "clip_durations.tsv",
                   f"clips/{clips[5]}"}  # fmt: skip
    return exp


def common_voice_validated_only(w: Writer) -> Expected:
    # as many download it: clips/ and validated.tsv only, the older column set
    exp = Expected(how=("commonvoice: Common Voice validated.tsv: ", "text from column sentence", "(3 recordings, 3 transcripts)"))
    rows = []
    for i in range(3):
        clip = f"common_voice_vi_{20 + i}.mp3"
        w.audio(f"clips/{clip}", _seconds(SENTENCES[i]), fmt="mp3")
        rows.append(("speaker" + str(i), clip, SENTENCES[i]))
        exp.kept[clip.removesuffix(".mp3")] = SENTENCES[i]
        exp.speakers[clip.removesuffix(".mp3")] = "speaker" + str(i)
    _cv_table(w, "validated.tsv", CV_OLD, rows)
    return exp


def common_voice_tsv(w: Writer) -> Expected:
    # one table given as input_dir: train.tsv only
    exp = common_voice(w)
    exp.input = "train.tsv"
    exp.how = ("Common Voice train.tsv (the table given as input_dir)", "text from column sentence")
    kept = dict(list(exp.kept.items())[:2])
    exp.speakers = {k: exp.speakers[k] for k in kept}
    others = {f"clips/{c}.mp3" for c in exp.kept if c not in kept} | {"clips/common_voice_vi_4.mp3",
                                                                      "clips/common_voice_vi_5.mp3",
                                                                      "clips/common_voice_vi_6.mp3"}  # fmt: skip
    exp.kept = kept
    exp.rejected = {}
    exp.unused = others | {"validated.tsv", "test.tsv", "dev.tsv", "invalidated.tsv", "other.tsv",
                           "clip_durations.tsv"}  # fmt: skip
    return exp


def _wav_bytes(w: Writer, seconds: float, rate=16000) -> bytes:
    import io

    buffer = io.BytesIO()
    soundfile.write(buffer, w.signal(seconds, rate), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def _hf_dataset(w: Writer, sentences, names, speakers):
    import datasets

    audio = [{"bytes": _wav_bytes(w, _seconds(s)), "path": f"{n}.wav"} for s, n in zip(sentences, names)]
    data = {"audio": audio, "transcription": list(sentences), "speaker_id": list(speakers)}
    return datasets.Dataset.from_dict(data).cast_column("audio", datasets.Audio(decode=False))


def hf_parquet(w: Writer) -> Expected:
    # the Hub's layout: data/{split}-00000-of-00001.parquet, the audio's bytes in the rows
    exp = Expected(how=("parquet: Hugging Face parquet, split train (1 files): text from column transcription, audio from column audio", "(5 recordings, 5 transcripts)"))
    names = [f"vivos_{i:04d}" for i in range(5)]
    train = _hf_dataset(w, SENTENCES[:5], names, ["spkA", "spkA", "spkB", "spkB", "spkB"])
    # a row that keeps only a path, to a file that is not there
    rows = train.to_dict()
    rows["audio"][4] = {"bytes": None, "path": "/elsewhere/vivos_0004.wav"}
    import datasets

    train = datasets.Dataset.from_dict(rows).cast_column("audio", datasets.Audio(decode=False))
    os.makedirs(os.path.join(w.root, "data"), exist_ok=True)
    # (a batch size: datasets would otherwise stat the missing path to size its batches)
    train.to_parquet(os.path.join(w.root, "data", "train-00000-of-00001.parquet"), batch_size=100)
    test = _hf_dataset(w, SENTENCES[5:7], ["t0", "t1"], ["spkC", "spkC"])
    test.to_parquet(os.path.join(w.root, "data", "test-00000-of-00001.parquet"))
    for i, (name, speaker) in enumerate(zip(names[:4], ["spkA", "spkA", "spkB", "spkB"])):
        exp.kept[name] = SENTENCES[i]
        exp.speakers[name] = speaker
    exp.rejected["data/train-00000-of-00001.parquet#row=4"] = "missing_audio"
    w.text("README.md", "---\nlanguage: vi\n---\n# a dataset card\n")
    exp.unused |= {"data/test-00000-of-00001.parquet", "README.md"}
    return exp


def hf_parquet_file(w: Writer) -> Expected:
    exp = hf_parquet(w)
    # the file's folder is the input: its other files are listed, not read
    exp.input = "data/train-00000-of-00001.parquet"
    exp.unused = {"test-00000-of-00001.parquet"}
    exp.rejected = {"train-00000-of-00001.parquet#row=4": "missing_audio"}
    return exp


def hf_save_to_disk(w: Writer) -> Expected:
    import datasets

    exp = Expected(how=("save_to_disk: Hugging Face save_to_disk, split train (1 files): text from column transcription",))
    names = [f"infore_{i:04d}" for i in range(4)]
    train = _hf_dataset(w, SENTENCES[:4], names, ["a", "b", "a", "b"])
    test = _hf_dataset(w, SENTENCES[4:6], ["x0", "x1"], ["c", "c"])
    datasets.DatasetDict({"train": train, "test": test}).save_to_disk(w.root)
    for i, name in enumerate(names):
        exp.kept[name] = SENTENCES[i]
        exp.speakers[name] = "ab"[i % 2]
    exp.unused |= {"dataset_dict.json", "train/dataset_info.json", "train/state.json",
                   "test/dataset_info.json", "test/state.json", "test/data-00000-of-00001.arrow"}  # fmt: skip
    return exp


def hf_audiofolder(w: Writer) -> Expected:
    import csv
    import io

    exp = Expected(how=("audiofolder: Hugging Face audiofolder, every file (none is named by split): metadata.csv (file_name, text from column transcription)",))
    rows = []
    for i, sentence in enumerate(SENTENCES[:4]):
        w.audio(f"audio/clip{i}.wav", _seconds(sentence))
        rows.append({"file_name": f"audio/clip{i}.wav", "transcription": sentence})
        exp.kept[f"audio__clip{i}"] = sentence
    rows[1]["transcription"] = "xin chào, các bạn thân mến."  # a comma inside a quoted field
    exp.kept["audio__clip1"] = "xin chào, các bạn thân mến."
    w.audio("audio/extra.wav", 2.0)
    exp.rejected["audio/extra.wav"] = "not_in_metadata"
    out = io.StringIO()
    writer = csv.DictWriter(out, ["file_name", "transcription"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    w.text("metadata.csv", out.getvalue())
    return exp


def kaldi(w: Writer) -> Expected:
    # a data directory (data/train) of a recipe whose recordings are two longer files, cut by
    # segments; wav.scp paths relative to the recipe folder, as Kaldi recipes write them
    exp = Expected(how=("kaldi: Kaldi data directory", "text, utt2spk, segments (cut in stage 0)", "(3 recordings, 8 transcripts)"))
    exp.input = "data/train"
    text_lines, segments, utt2spk = [], [], []
    for r, rec in enumerate(["rec1", "rec2"]):
        sentences = SENTENCES[3 * r : 3 * r + 3]
        spans, t = [], 0.2
        for sentence in sentences:
            length = _seconds(sentence)
            spans.append((round(t, 2), round(t + length, 2)))
            t += length + 0.5
        w.audio(f"wav/{rec}.flac", t + 0.3, fmt="flac")
        for k, (sentence, (start, end)) in enumerate(zip(sentences, spans)):
            utt = f"spk{r}-{rec}-{k:02d}"
            segments.append(f"{utt} {rec} {start:.2f} {end:.2f}")
            text_lines.append(f"{utt} {sentence}")
            utt2spk.append(f"{utt} spk{r}")
            exp.kept[utt] = sentence
            exp.speakers[utt] = f"spk{r}"
    # a recording given as a command: never run
    segments.append("spk0-rec3-00 rec3 0.00 2.00")
    text_lines.append(f"spk0-rec3-00 {SENTENCES[7]}")
    utt2spk.append("spk0-rec3-00 spk0")
    exp.rejected["text:7"] = "piped_command"
    # a segment past the recording's end
    segments.append("spk1-rec2-09 rec2 40.00 43.00")
    text_lines.append(f"spk1-rec2-09 {SENTENCES[8]}")
    utt2spk.append("spk1-rec2-09 spk1")
    # (wav.scp's paths start at the recipe folder, above the data directory: named absolute)
    exp.rejected[os.path.join(w.root, "wav", "rec2.flac") + "#t=40,43"] = "segment_out_of_range"
    w.text("data/train/wav.scp", "rec1 wav/rec1.flac\nrec2 wav/rec2.flac\nrec3 sox wav/rec3.flac -t wav - |\n")
    w.text("data/train/text", "\n".join(text_lines) + "\n")
    w.text("data/train/utt2spk", "\n".join(utt2spk) + "\n")
    w.text("data/train/spk2utt", "spk0 spk0-rec1-00\n")
    w.text("data/train/segments", "\n".join(segments) + "\n")
    exp.unused |= {"spk2utt"}
    return exp


def mfa_lab(w: Writer) -> Expected:
    exp = Expected(how=("mfa: each recording with the .lab of the same name beside it", "(3 recordings, 3 transcripts)"))
    for i, (spk, sentence) in enumerate(zip(["anh", "anh", "chi"], SENTENCES)):
        w.audio(f"{spk}/utt{i}.wav", _seconds(sentence))
        w.text(f"{spk}/utt{i}.lab", sentence)
        exp.kept[f"{spk}__utt{i}"] = sentence
        exp.speakers[f"{spk}__utt{i}"] = spk
    return exp


def libritts(w: Writer) -> Expected:
    exp = Expected(how=("libritts: each recording with the .normalized.txt of the same name beside it", "(3 recordings, 3 transcripts)"))
    for i, sentence in enumerate(SENTENCES[:3]):
        stem = f"19/198/19_198_00000{i}_000000"
        w.audio(f"{stem}.wav", _seconds(sentence), rate=24000)
        w.text(f"{stem}.normalized.txt", sentence)
        w.text(f"{stem}.original.txt", sentence.upper() + " 2024")
        exp.kept[stem.replace("/", "__")] = sentence
        exp.speakers[stem.replace("/", "__")] = "19"
        exp.unused.add(f"{stem}.original.txt")
    w.text("19/198/19_198.trans.tsv", "x\ty\n")
    w.text("19/198/19_198.book.tsv", "x\ty\n")
    exp.unused |= {"19/198/19_198.trans.tsv", "19/198/19_198.book.tsv"}
    return exp


KINDS = {
    "pairs_flat": pairs_flat,
    "pairs_nested": pairs_nested,
    "ljspeech": ljspeech,
    "ljspeech_normalized": ljspeech_normalized,
    "f5_table": f5_table,
    "nemo_manifest": nemo_manifest,
    **{f"format_{fmt}": audio_format(fmt) for fmt in ("flac", "mp3", "ogg", "opus", "m4a")},
    "common_voice": common_voice,
    "common_voice_validated_only": common_voice_validated_only,
    "common_voice_tsv": common_voice_tsv,
    "hf_parquet": hf_parquet,
    "hf_parquet_file": hf_parquet_file,
    "hf_save_to_disk": hf_save_to_disk,
    "hf_audiofolder": hf_audiofolder,
    "kaldi": kaldi,
    "mfa_lab": mfa_lab,
    "libritts": libritts,
    "hostile": hostile,
    "nothing_kept": nothing_kept,
}


def build(kind: str, root: str) -> Expected:
    os.makedirs(root, exist_ok=True)
    return KINDS[kind](Writer(root))
