import re

from f5flow.training import progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_lines_at_start_each_tenth_every_interval_and_end():
    clock, lines = Clock(), []
    p = progress.Progress(total=100, start=0, every_seconds=30, clock=clock, emit=lines.append)
    for step in range(1, 101):
        clock.now += 0.5  # 2 updates/s
        p.update(step, loss=1.0 / step, lr=1e-5)
    steps = [int(re.match(r"update (\d+)/100", line).group(1)) for line in lines]
    assert steps == [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert lines[0] == "update 1/100 (1%), loss 1.0000, lr 1.00e-05, 2.00 updates/s, about 50s left"
    assert lines[-1].endswith("about 0s left")
    assert not any("\r" in line or "\x1b" in line for line in lines)


def test_a_slow_run_reports_by_time_and_a_resumed_one_from_its_update():
    clock, lines = Clock(), []
    p = progress.Progress(total=100_000, start=50_000, every_seconds=30, clock=clock, emit=lines.append)
    for step in range(50_001, 50_200):
        clock.now += 1.0
        p.update(step, loss=0.5, lr=2e-6)
    assert lines[0].startswith("update 50001/100000 (50%)")
    assert len(lines) == 1 + 198 // 30  # then one line per 30 s
    assert "about 13h52m left" in lines[1]  # 49,969 updates to go at 1 update/s


def test_the_demo_fine_tune_log_has_plain_progress_lines(demo_run):
    log = (demo_run / "logs" / "demo" / "finetune_model.log").read_text(encoding="utf-8")
    assert "update 60/60 (100%), loss " in log and "update 1/60 (2%)" in log
    assert "\r" not in log and "\x1b[" not in log


def test_the_run_ends_with_a_summary(demo_run):
    console = (demo_run / "console.txt").read_text(encoding="utf-8")
    summary = console[console.index("f5flow summary (demo):"):]
    assert "clips: kept 21 (0.02 h, 0 flagged), not kept 4, ignored 0" in summary
    assert "model: ckpts/demo/model_last.pt (run 1, new run, update 60 of 60)" in summary
    assert "training loss: " in summary
    assert "other text: f5flow synthesize --checkpoint ckpts/demo --text 'Xin chào các bạn.'" in summary
    assert re.search(r"validation loss: best \d+\.\d{4} at update (30|60) \(ckpts/demo/best_model.pt\), "
                     r"last \d+\.\d{4} at update 60, over 4 held-out clips", summary)  # fmt: skip
    assert "listen: 2 samples in samples/demo (vocoder griffin-lim)" in summary
    assert "review every input, its checks and its audio: reports/demo/review.html (a browser)" in summary
    assert "report: snakemake --report report.html" in summary
