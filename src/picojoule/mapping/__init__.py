"""Mappings: loop tilings, orders, spatial unrollings and bypass of a layer on an arch."""

from picojoule.mapping.batch import MappingBatch, batch_of_one, concat
from picojoule.mapping.spec import LevelMapping, Mapping, validate_mapping
from picojoule.mapping.text import (
    format_loop_nest,
    format_mapping,
    load_mapping,
    mapping_from_data,
    parse_mapping,
)

__all__ = ["LevelMapping", "Mapping", "MappingBatch", "batch_of_one", "concat",
           "format_loop_nest", "format_mapping", "load_mapping", "mapping_from_data",
           "parse_mapping", "validate_mapping"]
