"""Dagster Config and resources built from the domain's settings dataclasses: a field, its default,
its description and its bounds are written once, on the dataclass (synth_assets/core/fields.py), and
carried here. Dagster's config has lists where the dataclasses have tuples; `settings_from` turns
them back."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, Field, create_model

Settings = TypeVar("Settings")


def _config_type(annotation: Any) -> Any:
    if typing.get_origin(annotation) is tuple:  # tuple[str, ...]: Dagster's config knows lists
        return list[typing.get_args(annotation)[0]]
    return annotation


def carrying(settings_class: type, *, names: dict[str, str] | None = None) -> type[BaseModel]:
    """A pydantic model with the fields of ``settings_class`` (a dataclass; ``names`` renames a field
    for the configuration: dataclass name -> config name), to put beside Config or ConfigurableResource:
    ``class TTSVoices(ConfigurableResource, carrying(VoicePolicy))``."""
    hints, names = typing.get_type_hints(settings_class), names or {}
    fields = {}
    for item in dataclasses.fields(settings_class):
        metadata = dict(item.metadata)
        description = metadata.pop("description", "") or None
        default = list(item.default) if isinstance(item.default, tuple) else item.default
        fields[names.get(item.name, item.name)] = (_config_type(hints[item.name]),
                                                   Field(default=default, description=description, **metadata))
    return create_model(f"{settings_class.__name__}Settings", __base__=BaseModel, **fields)


def settings_from(settings_class: type[Settings], config: Any, *, names: dict[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """The ``settings_class`` a Config or resource `carrying` it holds (lists back to tuples)."""
    hints, names = typing.get_type_hints(settings_class), names or {}
    values = {}
    for item in dataclasses.fields(settings_class):
        value = getattr(config, names.get(item.name, item.name))
        values[item.name] = tuple(value) if typing.get_origin(hints[item.name]) is tuple else value
    return settings_class(**{**values, **overrides})
