"""The Vietnamese verbalisers compared in docs/text.md, on the same 15 sentences.

Not part of `make bench` (the two libraries not chosen are not in pyproject.toml); in a scratch
environment: `pip install sea-g2p==0.10.0 vietnormalizer==0.2.3 vinorm==2.0.7`, then
`python benchmarks/verbalisers.py sea|vietnormalizer|vinorm`.
"""

import time, sys
S = [
 "Năm 2024, giá 1.500.000đ tăng 25% so với 15/08/1990 lúc 9:30.",
 "TP.HCM có 3,6 km đường, ĐH Bách Khoa, Covid-19 và WHO.",
 "Tiếng Việt rất hay, những người hoà bình.",
 "Cuộc họp bắt đầu lúc 14h30 ngày 2/9, có 120 người tham dự.",
 "Anh ấy cao 1m75 và nặng 68kg.",
 "Giá xăng hôm nay là 23.450 đồng/lít, giảm 2%.",
 "Số điện thoại của tôi là 0912 345 678.",
 "Ngày 30/4/1975 là ngày thống nhất đất nước.",
 "Công ty có 3 chi nhánh ở Hà Nội, TP. Hồ Chí Minh và Đà Nẵng.",
 "Nhiệt độ hôm nay khoảng 35°C, độ ẩm 80%.",
 "Chương 3, mục 2.1: GS. Nguyễn Văn A phát biểu.",
 "Quý khách vui lòng chuyển khoản 5 triệu VND trước ngày 10.",
 "Thế kỷ XXI là thế kỷ của công nghệ.",
 "Tốc độ tối đa 60 km/h trong khu dân cư.",
 "Đội tuyển thắng 3-1 trong trận chung kết năm 2022.",
]
which = sys.argv[1]
if which == "sea":
    from sea_g2p import Normalizer
    n = Normalizer(lang="vi"); f = n.normalize
elif which == "vietnormalizer":
    from vietnormalizer import VietnameseNormalizer
    n = VietnameseNormalizer(); f = n.normalize
elif which == "vinorm":
    from vinorm import TTSnorm; f = TTSnorm
t=time.perf_counter(); f(S[0]); t0=time.perf_counter()-t
t=time.perf_counter()
for _ in range(3):
    out=[f(s) for s in S]
dt=(time.perf_counter()-t)/(3*len(S))
print(f"{which}: first call {t0*1000:.0f} ms, then {dt*1000:.2f} ms/sentence")
for s,o in zip(S,out): print(" ", o)
