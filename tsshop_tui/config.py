"""Settings: one pydantic model, read from TOML with tomllib; tsshop never writes the file.

The file lives at ``$TSSHOP_CONFIG`` if set, else in the user's config directory. Views saved
from the command centre go to a file of their own next to it (``saved-views.json``).
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from .domain.catalog import DEFAULT_TAB, TAB_IDS
from .domain.query import Filters, Sort

APP_NAME = "tsshop"
VIEWS_FILE = "saved-views.json"


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

    @field_validator("tab")
    @classmethod
    def _known_tab(cls, tab: str) -> str:
        if tab not in TAB_IDS:
            raise ValueError(f"{tab!r} is not a tab id; tab ids: {', '.join(TAB_IDS)}")
        return tab


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
        default_factory=dict,
        description="Binding id -> keys, e.g. {'main.view.toggle' = 'V'}; an unknown id is refused at start.",
    )
    printer: str | None = Field(None, description="Printer name for 'lp -d'; none: just save the file.")
    saved_views: list[SavedView] = Field(
        default_factory=list, description="Views an older tsshop saved here; still read (saved-views.json wins)."
    )


def config_path() -> Path:
    override = os.environ.get("TSSHOP_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def views_path(config: Path | None = None) -> Path:
    """Saved views live in a file of their own next to the config file, which tsshop never writes."""
    return (config or config_path()).with_name(VIEWS_FILE)


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or 'file'}: {problem['msg']}" for problem in error.errors()
    )


def _read(path: Path, what: str) -> bytes | None:
    """The bytes of *path*, None when it does not exist; anything else is a one-line ConfigError."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ConfigError(f"cannot read {what} {path}: {error.strerror or error}") from error


def _text(data: bytes, path: Path, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{what} {path} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); save it as UTF-8"
        ) from error


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    data = _read(path, "config file")
    if data is None:
        return Settings()
    try:
        settings = Settings.model_validate(tomllib.loads(_text(data, path, "config file")))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from error
    except ValidationError as error:
        raise ConfigError(f"config file {path} is not valid: {_problems(error)}") from error
    if settings.default_tab not in TAB_IDS:
        raise ConfigError(
            f"config file {path}: default_tab {settings.default_tab!r} is not a tab id; tab ids: {', '.join(TAB_IDS)}"
        )
    return settings


_VIEWS = TypeAdapter(list[SavedView])


def _views_in(path: Path) -> list[SavedView]:
    data = _read(path, "saved views file")
    if data is None:
        return []
    try:
        return _VIEWS.validate_json(_text(data, path, "saved views file"))
    except ValidationError as error:
        raise ConfigError(f"saved views file {path} is not valid: {_problems(error)}") from error


def saved_views(settings: Settings, path: Path | None = None) -> list[SavedView]:
    """The views saved with `b` (views file), after those an older tsshop kept in config.toml;
    a name saved again replaces the older view of that name."""
    views = {view.name: view for view in settings.saved_views}
    views.update((view.name, view) for view in _views_in(path or views_path()))
    return list(views.values())


def save_view(view: SavedView, path: Path | None = None) -> Path:
    """Add (or replace by name) *view* in the views file, atomically: a temporary file of this
    process renamed over the old one. config.toml, which the user edits, is never written."""
    path = path or views_path()
    views = [v for v in _views_in(path) if v.name != view.name] + [view]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".views-", delete=False) as handle:
            handle.write(_VIEWS.dump_json(views, indent=2, exclude_none=True))
        os.replace(handle.name, path)
    except OSError as error:
        raise ConfigError(f"cannot save views in {path}: {error.strerror or error}") from error
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
