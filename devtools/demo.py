"""Regenerate the bundled demo dataset: `python -m devtools.demo resources/demo`.

Real Vietnamese sentences covering every tone mark and ă â đ ê ô ơ ư, spoken by espeak-ng at
varied sample rates, channel counts and sample formats, plus clips the filters must drop.
"""

from __future__ import annotations

import os
import sys
import unicodedata

from devtools.espeak import speak

# (name, transcript, sample rate, channels, sample format)
SENTENCES = [
    ("vi_001", "Hôm nay trời đẹp quá, chúng ta đi dạo nhé.", 22050, 1, "PCM_16"),
    ("vi_002", "Tiếng Việt có sáu thanh điệu khác nhau.", 16000, 1, "PCM_16"),
    ("vi_003", "Những người bạn cũ vẫn thường gặp nhau vào cuối tuần.", 44100, 2, "PCM_16"),
    ("vi_004", "Ông ấy đã sửa chiếc xe đạp cũ cho con trai.", 8000, 1, "PCM_16"),
    ("vi_005", "Chị ơi, cho em hỏi đường đến bưu điện.", 48000, 1, "PCM_24"),
    ("vi_006", "Mùa thu Hà Nội có hương hoa sữa nồng nàn.", 24000, 1, "PCM_16"),
    ("vi_007", "Bà kể chuyện cổ tích cho các cháu nghe mỗi tối.", 32000, 2, "PCM_16"),
    ("vi_008", "Học sinh phải ôn tập kỹ trước kỳ thi.", 22050, 1, "FLOAT"),
    ("vi_009", "Cô giáo khẽ nhắc nhở cả lớp giữ trật tự.", 16000, 2, "PCM_16"),
    ("vi_010", "Anh ấy uống một ly rượu nhỏ trong bữa tiệc.", 11025, 1, "PCM_16"),
    ("vi_011", "Đứa trẻ nghịch ngợm chạy nhảy khắp sân.", 22050, 1, "PCM_16"),
    ("vi_012", "Cửa hàng này bán đủ thứ đồ dùng gia đình.", 44100, 1, "PCM_16"),
    ("vi_013", "Bác sĩ khuyên tôi nên nghỉ ngơi nhiều hơn.", 16000, 1, "PCM_16"),
    ("vi_014", "Em bé ngủ say trong vòng tay của mẹ.", 24000, 2, "PCM_16"),
    ("vi_015", "Mẫu áo này có màu xanh da trời rất đẹp.", 22050, 1, "PCM_16"),
    ("vi_016", "Cậu bé ẩn mình sau bụi cây, lặng lẽ quan sát.", 8000, 1, "PCM_16"),
    ("vi_017", "Tôi chẳng bao giờ quên kỷ niệm mẹ bồng ẵm tôi.", 16000, 1, "PCM_16"),
    ("vi_018", "Anh ấy tự mình giúp đỡ từng người trong xóm.", 22050, 2, "PCM_16"),
    ("vi_019", "Người xưa kiêng kỵ nói điều xấu vào ngày Tết.", 48000, 1, "PCM_16"),
    ("vi_020", "Ăn quả nhớ kẻ trồng cây, uống nước nhớ nguồn.", 22050, 1, "PCM_16"),
    ("câu_chào", "Xin chào, tôi là người Việt Nam.", 16000, 1, "PCM_16"),
]


def write_text(path: str, text: str, *, nfd: bool = False, bom: bool = False, crlf: bool = False):
    if nfd:
        text = unicodedata.normalize("NFD", text)
    data = (text + "\n").replace("\n", "\r\n" if crlf else "\n").encode("utf-8")
    with open(path, "wb") as f:
        f.write((b"\xef\xbb\xbf" if bom else b"") + data)


def main(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    for i, (name, text, rate, channels, subtype) in enumerate(SENTENCES):
        speak(text, os.path.join(out_dir, name + ".wav"), rate, channels, subtype)
        # Some transcripts arrive as Windows or macOS editors save them: must still pass.
        write_text(
            os.path.join(out_dir, name + ".txt"), text, nfd=i % 5 == 1, bom=i % 4 == 2, crlf=i % 3 == 0
        )
    # Clips the filters must drop, one per reason.
    speak("Một hai ba bốn năm.", os.path.join(out_dir, "reject_too_short.wav"), 16000, trim=0.6)
    write_text(os.path.join(out_dir, "reject_too_short.txt"), "Một hai ba bốn năm.")
    story = " ".join(text for _, text, *_ in SENTENCES[:9])
    speak(story, os.path.join(out_dir, "reject_too_long.wav"), 8000, speed=110)
    write_text(os.path.join(out_dir, "reject_too_long.txt"), story)
    speak("Xin chào.", os.path.join(out_dir, "reject_too_few_words.wav"), 16000)
    write_text(os.path.join(out_dir, "reject_too_few_words.txt"), "Xin chào.")
    speak("Không có lời.", os.path.join(out_dir, "reject_no_transcript.wav"), 16000)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "resources/demo")
