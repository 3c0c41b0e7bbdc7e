"""What every benchmark shares: its verdict, the machine line, processes, ports and wrk.

A benchmark returns a `Verdict`: one ratio against a baseline measured in the same run, the
target that ratio must reach, and the absolute figures printed beside it (never gated on:
shared machines are noisy).
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BOT_TOKEN = "100001:vitrine-bench-token-000000000000"
SECRET_KEY = "vitrine-bench-secret-key-0123456789abcdef"


@dataclass
class Verdict:
    """A benchmark's outcome: the ratio, its target, the baseline and the absolute figures."""

    name: str
    ratio: float
    target: float
    higher_is_better: bool
    baseline: str  # what the baseline is and what it measured
    figures: list[tuple[str, str]] = field(default_factory=list)  # (figure, value)
    size: str = ""
    notes: list[str] = field(default_factory=list)
    reported_only: bool = False  # a figure to report (memory), not a ratio to reach

    @property
    def met(self) -> bool:
        """Whether the ratio reaches its target."""
        if self.reported_only:
            return True
        if self.higher_is_better:
            return self.ratio >= self.target
        return self.ratio <= self.target

    @property
    def target_text(self) -> str:
        """The target as the table writes it, e.g. ">= 0.7" or "<= 2.0"."""
        if self.reported_only:
            return "reported"
        return f"{'>=' if self.higher_is_better else '<='} {self.target:g}"

    def verdict_line(self) -> str:
        """The one line a benchmark ends with."""
        state = "met" if self.met else "missed"
        return f"bench {self.name}: ratio {self.ratio:.2f} (target {self.target_text}) {state}"


def machine_line() -> str:
    """One line describing this machine: CPU, cores, memory, load, Python, SQLite."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, load {load:.1f} at start; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.release()}"
    )


def print_verdict(verdict: Verdict) -> None:
    """One row per figure, then the verdict line."""
    print(f"  {'baseline':<44} {verdict.baseline}")
    for figure, value in verdict.figures:
        print(f"  {figure:<44} {value}")
    for note in verdict.notes:
        print(f"  note: {note}")
    print(verdict.verdict_line(), flush=True)


def append_results(verdicts: Sequence[Verdict], *, quick: bool, started: datetime) -> None:
    """Append this run's table, with the machine line, to bench/RESULTS.md."""
    lines = [
        "",
        f"### {started:%Y-%m-%d %H:%M} UTC, {'quick' if quick else 'full'} sizes",
        "",
        f"Machine: {machine_line()}",
        "",
        "| benchmark | size | ratio | target | verdict | baseline (same run) | absolute figures |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        figures = "; ".join(f"{name} {value}" for name, value in v.figures)
        lines.append(
            f"| `{v.name}` | {v.size} | {v.ratio:.2f} | {v.target_text} | "
            f"{'met' if v.met else 'missed'} | {v.baseline} | {figures} |"
        )
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def spawn(
    module: str, args: Sequence[str], env: Mapping[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """`python -m <module> <args>` from the repository root, its output in `log`."""
    handle = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    """Wait until `url` answers (any status); fail with the log's tail if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited ({process.returncode}):\n{tail(log)}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s:\n{tail(log)}")


def tail(log: Path, lines: int = 30) -> str:
    """The last lines of a log file."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it does not stop in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def peak_rss_mb(pid: int) -> float:
    """The peak resident set size of a running process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bot_env(folder: Path, database: Path, http_port: int, api_url: str) -> dict[str, str]:
    """The environment of a bot process: its own database, data folder, port and Bot API."""
    return {
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "VITRINE_TELEGRAM_API_URL": api_url,
        "VITRINE_DATABASE_URL": f"sqlite:///{database}",
        "VITRINE_DATA_DIR": str(folder / "data"),
        "VITRINE_HTTP_PORT": str(http_port),
        "VITRINE_SECRET_KEY": SECRET_KEY,
        "VITRINE_LOG_LEVEL": "WARNING",
    }


@dataclass
class WrkResult:
    """What wrk measured."""

    requests: int
    seconds: float
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors and non-2xx/3xx answers


def ensure_wrk() -> str:
    """The wrk binary (Debian's package `wrk`; `make bench` installs it)."""
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk (make bench does it)")
    return found


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    script: Path | None = None,
    threads: int = 1,
    env: Mapping[str, str] | None = None,
) -> WrkResult:
    """Load `url` with wrk for `seconds` over `connections` keep-alive connections."""
    args = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script is not None:
        args += ["-s", str(script)]
    output = subprocess.run(
        [*args, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
        env={**os.environ, **(env or {})},
    ).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    if done is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    requests = int(done.group(1))
    elapsed = _ms(done.group(2) + done.group(3)) / 1000
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    errors = 0
    socket_errors = re.search(r"connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        errors += int(bad.group(1))
    return WrkResult(
        requests,
        elapsed,
        requests / elapsed if elapsed else 0.0,
        _ms(p50.group(1)) if p50 else float("nan"),
        _ms(p99.group(1)) if p99 else float("nan"),
        errors,
    )


def now_utc() -> datetime:
    """The current instant."""
    return datetime.now(UTC)
