"""browser_support.serve starts a server again on another port when its port was taken before it bound it,
and reports any other early exit at once."""

import sys
import urllib.request
from pathlib import Path

import pytest

import browser_support as bs

# First start: say what a server says when its port is taken, and exit. Later starts: serve files.
FLAKY = ("import pathlib, sys, runpy\n"
         "marker = pathlib.Path(sys.argv[1])\n"
         "if not marker.exists():\n"
         "    marker.touch()\n"
         "    print('OSError: [Errno 98] Address already in use', flush=True)\n"
         "    sys.exit(1)\n"
         "sys.argv = ['http.server', sys.argv[2], '--bind', '127.0.0.1', '--directory', sys.argv[3]]\n"
         "runpy.run_module('http.server', run_name='__main__')\n")


def test_a_server_whose_port_was_taken_is_started_again_on_another_port(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("hello")
    ports = []

    def cmd(port: int) -> list[str]:
        ports.append(port)
        return [sys.executable, "-c", FLAKY, str(tmp_path / "marker"), str(port), str(tmp_path)]
    with bs.serve(cmd, token="", workdir=tmp_path, cwd=tmp_path, probe_path="/index.html") as server:
        with urllib.request.urlopen(server.url("/index.html"), timeout=10) as response:
            assert response.read() == b"hello"
        assert server.port == ports[-1]
    assert len(ports) == 2
    assert "Address already in use" in (tmp_path / "server-1.log").read_text()


def test_a_server_that_exits_for_another_reason_is_reported_at_once(tmp_path: Path) -> None:
    starts = []

    def cmd(port: int) -> list[str]:
        starts.append(port)
        return [sys.executable, "-c", "import sys; print('no such notebook'); sys.exit(3)"]
    with pytest.raises(RuntimeError, match="exited with code 3 before answering:\nno such notebook"):
        with bs.serve(cmd, token="", workdir=tmp_path, cwd=tmp_path, probe_path=None):
            pass
    assert len(starts) == 1
