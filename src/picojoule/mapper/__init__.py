"""Mapping search: the best dataflow of one layer on one architecture."""

from picojoule.mapper.constraints import (
    DATAFLOWS,
    Constraints,
    constraints_from_data,
    dataflow,
    load_constraints,
    natural,
)
from picojoule.mapper.evaluator import OBJECTIVES, Budget, Objective
from picojoule.mapper.search import SearchOptions, SearchResult, UnmappableError, search
from picojoule.mapper.space import MappingSpace, build_space, bypass_choices

__all__ = ["DATAFLOWS", "OBJECTIVES", "Budget", "Constraints", "MappingSpace", "Objective",
           "SearchOptions", "SearchResult", "UnmappableError", "build_space", "bypass_choices",
           "constraints_from_data", "dataflow", "load_constraints", "natural", "search"]
