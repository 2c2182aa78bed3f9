"""Filters declared once (issue 12.3): every Filters field has its chip, SQL term, CLI option and dialog
control, none of which may be forgotten; the dialog edits a copy, so fields it does not show survive."""

from __future__ import annotations

import io
from datetime import date

import pytest
from textual.widgets import Checkbox, Input, Select

from tsshop_tui.cli import build_parser, filters_from_args
from tsshop_tui.domain.metrics import MetricKey
from tsshop_tui.domain.model import ContentType, Flag, OrderType
from tsshop_tui.domain.query import FILTER_FIELDS, Filters
from tsshop_tui.store.reads import FILTER_SQL, filter_sql
from tsshop_tui.ui.modals.filters import FilterModal
from tsshop_tui.ui.screens.main import MainScreen

from .test_ui_insights import _insights_template, open_insights, shop  # noqa: F401 (fixtures)
from .ui_shop import make_app

NOW = 1_764_000_000

# A value of each field that filters something, and the CLI arguments that say it (None: not on the CLI).
EXAMPLES: dict[str, tuple[object, list[str] | None]] = {
    "overdue": (True, ["--overdue"]),
    "at_risk_hours": (6, ["--at-risk-hours", "6"]),
    "flag": (Flag.RED, ["--flag", "red"]),
    "has_note": (False, ["--no-note"]),
    "creator": ("anna.styles", ["--creator", "@anna.styles"]),
    "campaign": ("Cyber Week Deals", ["--campaign", "Cyber Week Deals"]),
    "content_type": (ContentType.LIVE, ["--content-type", "live"]),
    "product": ("SKU-1", ["--product", "SKU-1"]),
    "created_from": (date(2026, 11, 1), ["--created-from", "2026-11-01"]),
    "created_to": (date(2026, 11, 20), ["--created-to", "2026-11-20"]),
    "order_type": (OrderType.PRE_ORDER, ["--order-type", "pre-order"]),
    "sample": (True, ["--sample"]),
    "ids": (("577000000000000001", "577000000000000002"), ["--ids", "577000000000000001,577000000000000002"]),
    "metric": (MetricKey.LDR, None),
    "window_days": (7, None),
    "search": (("TT1", "SKU-1"), ["--search", "TT1", "SKU-1"]),
}
HIDDEN = Filters(ids=("577000000000000001",), search=("577000000000000001",), metric=MetricKey.LDR, window_days=30)


def test_every_field_is_declared_with_its_sql_term_and_an_example():
    fields = list(Filters.model_fields)
    assert list(FILTER_FIELDS) == fields, "declare each Filters field once in domain.query.FILTER_FIELDS"
    assert sorted(FILTER_SQL) == sorted(fields), "give each Filters field its SQL term in store.reads.FILTER_SQL"
    assert sorted(EXAMPLES) == sorted(fields)


@pytest.mark.parametrize("name", list(FILTER_FIELDS))
def test_a_set_field_shows_a_chip_and_narrows_the_query(name):
    value, _ = EXAMPLES[name]
    filters = Filters(**{name: value})
    chips = filters.chips()
    assert [key for key, _ in chips] == [FILTER_FIELDS[name].chip] and chips[0][1]
    assert filters.without(FILTER_FIELDS[name].chip) == Filters()
    assert filter_sql(filters, NOW)[0] and not filter_sql(Filters(), NOW)[0]


@pytest.mark.parametrize("name", [n for n, (_, args) in EXAMPLES.items() if args is not None])
def test_each_cli_option_sets_its_field(name):
    value, args = EXAMPLES[name]
    assert FILTER_FIELDS[name].cli is not None
    parsed = build_parser().parse_args(["export", *args])
    assert filters_from_args(parsed, io.StringIO()) == Filters(**{name: value})


def test_fields_with_no_cli_option_or_dialog_control_say_so_on_purpose():
    assert [n for n, s in FILTER_FIELDS.items() if s.cli is None] == ["metric", "window_days"]
    assert [n for n, s in FILTER_FIELDS.items() if s.control is None] == ["ids", "metric", "window_days", "search"]
    assert all(EXAMPLES[n][1] is None for n, s in FILTER_FIELDS.items() if s.cli is None)


async def _edit(pilot, start: Filters, change) -> Filters:
    """Open the filter dialog on *start*, let *change* edit it, apply; the main screen's filters after."""
    main = pilot.app.screen
    main.set_filters(start)
    await pilot.app.workers.wait_for_complete()
    await pilot.press("f")
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, FilterModal)
    change(modal)
    await pilot.press("f2")
    await pilot.pause()
    assert pilot.app.screen is main
    return main.filters


async def test_the_dialog_shows_a_control_for_each_declared_field_and_reads_back_what_it_shows(shop_db):
    shown = {name: value for name, (value, _) in EXAMPLES.items() if FILTER_FIELDS[name].control is not None}
    start = Filters(**shown)
    async with make_app(shop_db).run_test(size=(100, 30)) as pilot:
        await pilot.pause()

        def controls_present(modal):
            for name, spec in FILTER_FIELDS.items():
                if spec.control is not None:
                    assert isinstance(modal.query_one(f"#{spec.control.widget_id or name}"), (Checkbox, Input, Select))

        assert await _edit(pilot, start, controls_present) == start


async def test_hidden_fields_survive_an_edit_in_the_dialog(shop_db):
    async with make_app(shop_db).run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        edited = await _edit(pilot, HIDDEN, lambda modal: setattr(modal.query_one("#flag", Select), "value", "red"))
        assert edited == HIDDEN.model_copy(update={"flag": Flag.RED})
        title = str(pilot.app.screen.query_one("#title-line").render())
        assert "last 30d" in title


async def test_a_drill_down_keeps_its_window_when_a_flag_is_added(shop):  # noqa: F811 (the fixture)
    async with make_app(shop).run_test(size=(120, 36)) as pilot:
        await open_insights(pilot, "c", "j")
        await pilot.press("enter")
        await pilot.pause()
        main = pilot.app.screen
        assert isinstance(main, MainScreen) and main.filters.window_days == 30
        before = main.filters
        await pilot.press("f")
        await pilot.pause()
        pilot.app.screen.query_one("#flag", Select).value = "red"
        await pilot.press("f2")
        await pilot.pause()
        assert pilot.app.screen is main
        assert main.filters == before.model_copy(update={"flag": Flag.RED})
        assert ("window_days", "last 30d") in main.filters.chips()
        assert "last 30d" in str(main.query_one("#title-line").render())
