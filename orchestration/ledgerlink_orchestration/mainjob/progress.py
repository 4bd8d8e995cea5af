"""Numbered progress lines: `1/5 ...` for a step, indented lines for what it found."""

import time

import click


class Progress:
    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.started = time.monotonic()
        self._step = 0

    def step(self, text: str) -> None:
        self._step += 1
        click.echo(f"{self._step}/{self.steps} {text}")

    def info(self, text: str) -> None:
        click.echo(f"    {text}")

    def elapsed(self) -> float:
        return time.monotonic() - self.started
