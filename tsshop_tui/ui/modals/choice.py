"""One choice out of a few, on one line: the arrows change it at once (no separate 'select' key).

Enter is left to the dialog, so it submits wherever the focus is; a click picks an option too.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

T = TypeVar("T")


class Choice(Widget, Generic[T], can_focus=True):
    """The options as ' label ' cells; the chosen one is shown reversed."""

    BINDINGS = [
        Binding("left", "step(-1)", "Previous", show=False, id="choice.previous"),
        Binding("right", "step(1)", "Next", show=False, id="choice.next"),
    ]
    index: reactive[int] = reactive(0)

    class Changed(Message):
        """The choice changed to *value*."""

        def __init__(self, choice: Choice, value: object) -> None:
            super().__init__()
            self.choice, self.value = choice, value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: list[tuple[Text | str, T]], value: T, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.options = [(label if isinstance(label, Text) else Text(label), v) for label, v in options]
        self.set_reactive(Choice.index, [v for _, v in self.options].index(value))

    @property
    def value(self) -> T:
        return self.options[self.index][1]

    def step(self, step: int) -> None:
        self.index = (self.index + step) % len(self.options)

    def action_step(self, step: int) -> None:
        self.step(step)

    def watch_index(self) -> None:
        self.post_message(self.Changed(self, self.value))

    def render(self) -> Text:
        row = Text(no_wrap=True, overflow="ellipsis")
        for n, (label, _) in enumerate(self.options):
            cell = Text(" ") + label + Text(" ")
            if n == self.index:
                cell.stylize("reverse")
            row.append_text(cell)
        return row

    def on_click(self, event: events.Click) -> None:
        start = 0
        for n, (label, _) in enumerate(self.options):
            end = start + label.cell_len + 2
            if start <= event.x < end:
                self.index = n
                return
            start = end
