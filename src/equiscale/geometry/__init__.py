"""E(3) group elements, geometric field types and their actions: the schema every other room reads."""

from equiscale.geometry.fields import Field, FieldType, Schema, act, permute_tokens, transform
from equiscale.geometry.group import GROUPS, E3Element, quaternion_to_matrix, rotation_about_z, sample

__all__ = [
    "GROUPS",
    "E3Element",
    "Field",
    "FieldType",
    "Schema",
    "act",
    "permute_tokens",
    "quaternion_to_matrix",
    "rotation_about_z",
    "sample",
    "transform",
]
