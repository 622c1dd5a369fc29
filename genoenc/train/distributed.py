"""One model on several processes: ``torchrun --nproc_per_node N -m genoenc train ...``.

torchrun starts N copies of the command with ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``
(and the rendezvous address) in the environment; :func:`setup_distributed` reads them
and joins the process group: NCCL when the run is on CUDA (one GPU per process,
``cuda:LOCAL_RANK``), gloo on the CPU. Without those variables it returns a
single-process :class:`Distributed` whose collectives do nothing, so the training loop
has one code path.

How the loop uses it (``genoenc/train/loop.py``):

* Data: every rank reads the same window stream and keeps windows ``i % world_size ==
  rank`` (:class:`genoenc.data.WindowStream`), in per-rank batches of ``batch_size /
  world_size``: the union of one step's per-rank batches is the single-process batch of
  that step. A rank whose share of an epoch's last, partial batch is empty steps on a
  masked-out PAD window, so every rank joins every step.
* Loss: the mean over all scored targets of the global batch. Each rank weights its batch
  mean by ``world_size * n_rank / n_global`` (counts all-reduced before the forward), and
  DDP averages the gradients over ranks, which gives the gradient of
  ``sum over ranks of the summed losses / n_global``: the single-process step, up to the
  order of floating-point sums.
* Writing: rank 0 alone writes the run directory, its log and checkpoints and evaluates
  (validation during training, test and references at the end); the others wait for it
  at the next collective and return the metrics rank 0 broadcasts. The checkpoint's data
  position counts windows consumed by all ranks together, so every rank resumes from it
  (the run directory must be on a filesystem every rank sees), under any number of
  processes.
* The torch RNG is seeded alike on every rank: models start identical (DDP checks by
  broadcasting rank 0's weights) and, with dropout, ranks draw the same masks over
  different windows.
"""

from __future__ import annotations

import datetime
import inspect
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from genoenc.errors import ConfigError

from .device import pick_device

__all__ = [
    "DistEnv",
    "Distributed",
    "EncoderModel",
    "detect_env",
    "per_rank_batch",
    "setup_distributed",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How long a rank waits at a collective (rank 0 evaluating, writing a checkpoint).
TIMEOUT = datetime.timedelta(minutes=30)


@dataclass(frozen=True, kw_only=True)
class DistEnv:
    """Where this process sits among the processes torchrun started.

    Attributes:
        rank: Global rank, ``0 .. world_size - 1``.
        world_size: Number of processes training the model.
        local_rank: Rank on this machine (picks the GPU).
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    def __post_init__(self) -> None:
        if self.world_size < 1:
            raise ConfigError(f"WORLD_SIZE must be at least 1 (got {self.world_size})")
        if not 0 <= self.rank < self.world_size:
            raise ConfigError(f"RANK must be in 0..{self.world_size - 1} (got {self.rank})")
        if self.local_rank < 0:
            raise ConfigError(f"LOCAL_RANK must be >= 0 (got {self.local_rank})")


def detect_env(environ: Mapping[str, str] | None = None) -> DistEnv:
    """Read ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` (as torchrun sets them).

    >>> detect_env({})
    DistEnv(rank=0, world_size=1, local_rank=0)
    >>> detect_env({"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1"})
    DistEnv(rank=3, world_size=4, local_rank=1)
    """
    env = os.environ if environ is None else environ
    values: dict[str, int] = {}
    for name, default in (("RANK", 0), ("WORLD_SIZE", 1), ("LOCAL_RANK", 0)):
        text = env.get(name, "")
        try:
            values[name] = int(text) if text.strip() else default
        except ValueError:
            raise ConfigError(f"{name} must be an integer (got {text!r})") from None
    return DistEnv(
        rank=values["RANK"], world_size=values["WORLD_SIZE"], local_rank=values["LOCAL_RANK"]
    )


def per_rank_batch(batch_size: int, world_size: int) -> int:
    """Windows per rank and step: the global ``batch_size`` split evenly.

    >>> per_rank_batch(16, 4)
    4
    >>> per_rank_batch(16, 3)
    Traceback (most recent call last):
    ...
    genoenc.errors.ConfigError: train.batch_size (16) must split evenly over 3 processes
    """
    if batch_size % world_size:
        raise ConfigError(
            f"train.batch_size ({batch_size}) must split evenly over {world_size} processes"
        )
    return batch_size // world_size


class EncoderModel(nn.Module):
    """The encoder and the task model as one module, so one DDP wrapper syncs both."""

    def __init__(self, encoder: nn.Module, model: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.model = model

    def forward(self, ids: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """``ids: (B, T)`` -> logits ``(B, T, V)``, or with targets ``y`` their nats ``(B, T)``."""
        return self.model(self.encoder(ids), y)


class Distributed:
    """The process group of a run; a single process is a group of one (no-op collectives).

    Args:
        env: This process's rank and world size.
        device: The device this rank trains on.
        owns_group: This object initialised the process group and destroys it in
            :meth:`close` (a nested run, such as the ``full`` arm trained for an
            autoencoder's table, reuses the group of the run that started it).
        cpu_group: A gloo group for the small collectives of the loop when the main
            group is NCCL (``None``: the default group).
    """

    def __init__(
        self,
        env: DistEnv,
        device: torch.device,
        *,
        owns_group: bool = False,
        cpu_group: Any = None,
    ) -> None:
        self.env = env
        self.device = device
        self.owns_group = owns_group
        self._cpu_group = cpu_group

    @property
    def rank(self) -> int:
        """Global rank of this process."""
        return self.env.rank

    @property
    def world_size(self) -> int:
        """Number of processes."""
        return self.env.world_size

    @property
    def enabled(self) -> bool:
        """More than one process."""
        return self.env.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the one that writes files and evaluates."""
        return self.env.rank == 0

    @property
    def backend(self) -> str | None:
        """``nccl``, ``gloo``, or ``None`` for a single process."""
        return str(dist.get_backend()) if self.enabled else None

    def wrap(self, encoder: nn.Module, model: nn.Module) -> nn.Module:
        """The module the training step runs: both halves, in DDP when there are several ranks.

        Frozen parameters (a staged autoencoder's) are not synced; buffers are not
        broadcast at each forward since every rank computes the same ones.
        """
        net = EncoderModel(encoder, model)
        if not self.enabled:
            return net
        device_ids = [self.device.index] if self.device.type == "cuda" else None
        # torch 2.13 renamed broadcast_buffers (deprecated, warns) to forward_sync_buffers.
        names = inspect.signature(DistributedDataParallel).parameters
        option = "forward_sync_buffers" if "forward_sync_buffers" in names else "broadcast_buffers"
        no_sync: dict[str, Any] = {option: False}
        return DistributedDataParallel(net, device_ids=device_ids, **no_sync)

    def sum(self, values: Sequence[float]) -> list[float]:
        """All-reduce a few numbers (summed over ranks, float64, on the CPU).

        >>> Distributed(DistEnv(), torch.device("cpu")).sum([2, 0.5])
        [2.0, 0.5]
        """
        if not self.enabled:
            return [float(v) for v in values]
        tensor = torch.tensor(list(values), dtype=torch.float64)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM, group=self._cpu_group)
        return [float(v) for v in tensor.tolist()]

    def barrier(self) -> None:
        """Wait until every rank gets here."""
        if self.enabled:
            dist.barrier(group=self._cpu_group)

    def broadcast(self, obj: T) -> T:
        """Rank 0's ``obj`` on every rank (picklable objects; others pass a placeholder)."""
        if not self.enabled:
            return obj
        box: list[Any] = [obj]
        dist.broadcast_object_list(box, src=0, group=self._cpu_group)
        return box[0]

    def close(self, *, wait: bool = True) -> None:
        """Destroy the process group if this object created it.

        Args:
            wait: Leave together with the other ranks first (a rank tearing the group down
                while another still receives rank 0's metrics can abort). Pass ``False``
                on an error, when the other ranks may never get here.
        """
        if self.owns_group and dist.is_initialized():
            if wait:
                self.barrier()
            _CPU_GROUP.clear()
            dist.destroy_process_group()
            self.owns_group = False


#: The gloo side group of the current NCCL process group (at most one entry).
_CPU_GROUP: dict[str, Any] = {}


def _rank_device(device_name: str, env: DistEnv) -> torch.device:
    """One device per rank: ``cuda:LOCAL_RANK`` on CUDA, else the CPU."""
    if device_name == "mps":
        raise ConfigError("train.device mps cannot be used under torchrun (no DDP backend)")
    cuda = device_name == "cuda" or (device_name == "auto" and torch.cuda.is_available())
    if not cuda:
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ConfigError("train.device is cuda but no CUDA device is available")
    count = torch.cuda.device_count()
    if env.local_rank >= count:
        raise ConfigError(
            f"LOCAL_RANK {env.local_rank} needs a CUDA device of its own, this machine has "
            f"{count} (start at most {count} processes per node)"
        )
    torch.cuda.set_device(env.local_rank)
    return torch.device("cuda", env.local_rank)


def setup_distributed(device_name: str, environ: Mapping[str, str] | None = None) -> Distributed:
    """Join the process group torchrun set up, or describe a single process.

    Args:
        device_name: ``train.device`` (``auto``, ``cpu``, ``cuda`` or ``mps``).
        environ: The environment to read (default ``os.environ``).

    Returns:
        A :class:`Distributed`; call :meth:`Distributed.close` when the run ends.

    Raises:
        ConfigError: Inconsistent torchrun variables, ``mps`` under torchrun, or more
            processes on a machine than it has GPUs.
    """
    env = detect_env(environ)
    if dist.is_available() and dist.is_initialized():
        # A nested run (or a caller that set the group up itself): use the group as it is.
        env = DistEnv(
            rank=dist.get_rank(), world_size=dist.get_world_size(), local_rank=env.local_rank
        )
        if env.world_size == 1:
            return Distributed(env, pick_device(device_name))
        return Distributed(env, _rank_device(device_name, env), cpu_group=_CPU_GROUP.get("group"))
    if env.world_size == 1:
        return Distributed(env, pick_device(device_name))
    if not dist.is_available():
        raise ConfigError("torch.distributed is not available in this torch build")
    device = _rank_device(device_name, env)
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(
        backend=backend,
        timeout=TIMEOUT,
        device_id=device if device.type == "cuda" else None,
    )
    if backend != "gloo":
        # Small counts travel on a gloo group on the CPU: under NCCL that avoids a device
        # round trip (and a sync with the GPU stream) for a few numbers each step.
        _CPU_GROUP["group"] = dist.new_group(backend="gloo")
    logger.info("rank %d of %d on %s (%s)", env.rank, env.world_size, device, backend)
    return Distributed(env, device, owns_group=True, cpu_group=_CPU_GROUP.get("group"))
