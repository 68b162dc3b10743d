"""Projective geometric algebra G(3,0,1): tables, products, Pin(3,0,1) versors and embeddings (see gatr.md §1–2).

Multivectors are tensors ``[..., 16]`` in the order
[1, e0, e1, e2, e3, e01, e02, e03, e12, e13, e23, e012, e013, e023, e123, e0123].
"""

from equiscale.algebra.embeddings import (
    embed_plane,
    embed_point,
    embed_pseudoscalar,
    embed_scalar,
    embed_translation,
    extract_point,
)
from equiscale.algebra.products import (
    dual,
    equi_join,
    geometric_product,
    grade_involution,
    grade_project,
    inner_product,
    join,
    multiply_e0,
    outer_product,
    reverse,
)
from equiscale.algebra.tables import (
    BLADE_NAMES,
    E0_CONTAINING,
    E0_FREE,
    GP_TERMS,
    GRADE_SLICES,
    GRADES,
    JOIN_TERMS,
    OUTER_TERMS,
    table,
)
from equiscale.algebra.versors import (
    e3_action_matrix,
    e3_versor,
    quaternion_from_matrix,
    random_versors,
    rotor_from_quaternion,
    sandwich,
    translator,
    unit_plane,
    versor_action_matrix,
)

__all__ = [
    "BLADE_NAMES",
    "E0_CONTAINING",
    "E0_FREE",
    "GP_TERMS",
    "GRADES",
    "GRADE_SLICES",
    "JOIN_TERMS",
    "OUTER_TERMS",
    "dual",
    "e3_action_matrix",
    "e3_versor",
    "embed_plane",
    "embed_point",
    "embed_pseudoscalar",
    "embed_scalar",
    "embed_translation",
    "equi_join",
    "extract_point",
    "geometric_product",
    "grade_involution",
    "grade_project",
    "inner_product",
    "join",
    "multiply_e0",
    "outer_product",
    "quaternion_from_matrix",
    "random_versors",
    "reverse",
    "rotor_from_quaternion",
    "sandwich",
    "table",
    "translator",
    "unit_plane",
    "versor_action_matrix",
]
