"""Stop on SIGTERM (scancel, a SLURM time limit or pre-emption) or SIGINT (Ctrl-C): finish the
update in progress, save model_last.pt, exit 128+signal. Signals within SAME_STOP_SECONDS of the
first are the same request (SLURM and the launchers signal every process, in any order); a later
one stops at once.

Upstream's Trainer has no hook for this, so two of its calls are wrapped: the accelerator's
`backward` (where every process checks for a stop request once per batch) and the Trainer's
`save_checkpoint` (which exits once model_last.pt is saved after a request).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time

import torch

log = logging.getLogger(__name__)

# Stop signals within this many seconds of the first are one request (see request() below).
SAME_STOP_SECONDS = 10


def stop_dataloader_workers() -> None:
    """Kill the DataLoader workers: they block SIGTERM (see save_and_stop_on_signal), and Python's
    exit would otherwise wait forever for them to end after it sends them one."""
    for worker in multiprocessing.active_children():
        worker.kill()
        worker.join()


def save_and_stop_on_signal(trainer) -> None:
    """Install the stop handling on an upstream Trainer (before `trainer.train`).

    Every process checks the request at its next backward pass; with several processes they agree
    on it (one all-reduce per batch), so all of them save the same update through upstream's
    save_checkpoint (whose barrier needs every process) and none waits on one that has left.
    """
    state = {"signal": 0, "stopping": False, "first": 0.0}
    stops = {signal.SIGTERM, signal.SIGINT}

    def request(signum):
        now = time.monotonic()
        if state["signal"]:
            # SLURM signals every process and a launcher forwards what it gets: repeats within a
            # few seconds are the same stop; a signal after that (a second Ctrl-C) stops at once.
            if now - state["first"] > SAME_STOP_SECONDS:
                os._exit(128 + signum)
            return
        state["signal"], state["first"] = signum, now
        log.warning("%s: saving model_last.pt after this update (again after %d s to stop now)",
                    signal.Signals(signum).name, SAME_STOP_SECONDS)

    # SLURM signals every process of a job, DataLoader workers included, and a worker killed by
    # it takes the trainer down before it can save. So the signals are blocked in this thread,
    # and thereby in the workers and threads it starts later (masks are inherited). They reach
    # the trainer through the handler (run when a thread started earlier, e.g. by torch, takes
    # the signal) or through one thread waiting for them (when every thread blocks them).
    for signum in stops:
        signal.signal(signum, lambda signum, frame: request(signum))
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)

    def wait_for_signals():
        while True:
            request(signal.sigwait(stops))

    threading.Thread(target=wait_for_signals, name="stop-signals", daemon=True).start()

    accelerator = trainer.accelerator
    backward, save_checkpoint = accelerator.backward, trainer.save_checkpoint

    def backward_then_check(loss, **kwargs):
        backward(loss, **kwargs)
        requested = state["signal"]
        if accelerator.num_processes > 1:
            flag = torch.tensor([requested], device=accelerator.device)
            torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
            requested = int(flag.item())
        if requested and not state["stopping"]:
            state["stopping"], state["signal"] = True, requested
            # upstream saves model_last.pt when update % last_per_updates == 0: every update now
            trainer.last_per_updates = 1

    def save_then_exit(update, last=False):
        save_checkpoint(update, last=last)
        if state["stopping"] and last:
            log.warning("saved model_last.pt at update %d; stopping (re-run to resume)", update)
            if getattr(trainer, "writer", None) is not None:
                trainer.writer.flush()  # the loss curve up to this update
            stop_dataloader_workers()
            raise SystemExit(128 + state["signal"])

    accelerator.backward = backward_then_check
    trainer.save_checkpoint = save_then_exit
