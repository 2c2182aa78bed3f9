"""Settings: one pydantic model, read from TOML with tomllib and written with tomli-w.

The file lives at ``$TSSHOP_CONFIG`` if set, else in the user's config directory.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .domain.catalog import DEFAULT_TAB, TAB_IDS
from .domain.query import Filters, Sort

APP_NAME = "tsshop"


class ConfigError(Exception):
    pass


class SavedView(BaseModel):
    """A named tab + filters + sort, recalled from the command palette."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    tab: str = DEFAULT_TAB
    filters: Filters = Field(default_factory=Filters)
    sort: Sort | None = None
    descending: bool = False


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    db: Path | None = Field(None, description="The shop database; --db and TSSHOP_DB override it.")
    operator: str | None = Field(
        None, description="Name written as the author of notes and changes (default: the OS user)."
    )
    read_only: bool = Field(False, description="Open every terminal read-only (wall displays).")
    refresh_seconds: float = Field(2.0, ge=0.2, le=300, description="How often the screen polls for changes.")
    default_tab: str = Field(DEFAULT_TAB, description="The tab the command centre opens on.")
    keymap: dict[str, str] = Field(
        default_factory=dict, description="Binding id -> keys, e.g. {'view.toggle' = 'V'}."
    )
    printer: str | None = Field(None, description="Printer name for 'lp -d'; none: just save the file.")
    saved_views: list[SavedView] = Field(default_factory=list)


def config_path() -> Path:
    override = os.environ.get("TSSHOP_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    if not path.exists():
        return Settings()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        settings = Settings.model_validate(data)
    except (tomllib.TOMLDecodeError, ValidationError, OSError) as error:
        raise ConfigError(f"config file {path} is not valid: {error}") from error
    if settings.default_tab not in TAB_IDS:
        raise ConfigError(f"config file {path}: default_tab {settings.default_tab!r} is not a tab id")
    return settings


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write *settings* atomically (a temporary file renamed over the old one)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = settings.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    temporary = path.with_suffix(".toml.tmp")
    with temporary.open("wb") as handle:
        tomli_w.dump(data, handle)
    temporary.replace(path)
    return path


def resolve_db(cli_db: str | None, settings: Settings) -> Path:
    """--db, else TSSHOP_DB, else the config file, else the user data directory."""
    if cli_db:
        return Path(cli_db)
    env = os.environ.get("TSSHOP_DB")
    if env:
        return Path(env)
    if settings.db:
        return settings.db
    return Path(platformdirs.user_data_dir(APP_NAME)) / "tsshop.db"
