import subprocess
import sys

from f5flow import runlock


def stale_locks(folder):
    (folder / "locks").mkdir(parents=True)
    (folder / "locks" / "0.input.lock").write_text("data/x\n")


def hold_in_another_process(folder):
    """A live run: another process holding the run lock until its stdin closes."""
    code = (
        "import sys; from f5flow import runlock; "
        f"runlock.claim({str(folder)!r}); print('held', flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_locks_of_a_dead_run_are_removed_and_said(tmp_path):
    stale_locks(tmp_path)
    assert "removed the lock left by an interrupted run" in runlock.claim(str(tmp_path), host="a")
    assert not (tmp_path / "locks").exists()


def test_locks_of_a_live_run_are_kept(tmp_path):
    live = hold_in_another_process(tmp_path)
    stale_locks(tmp_path)
    try:
        assert runlock.claim(str(tmp_path), host="a") is None
        assert (tmp_path / "locks" / "0.input.lock").exists()
    finally:
        live.stdin.close()
        live.wait()


def test_locks_of_another_hosts_run_are_not_touched(tmp_path):
    done = subprocess.run([sys.executable, "-c", "from f5flow import runlock; "
                           f"runlock.claim({str(tmp_path)!r}, host='login2')"], check=True)  # fmt: skip
    assert done.returncode == 0
    stale_locks(tmp_path)
    message = runlock.claim(str(tmp_path), host="login1")
    assert "left by a run on login2" in message and "--unlock" in message
    assert (tmp_path / "locks" / "0.input.lock").exists()
