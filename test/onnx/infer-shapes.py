"""Check an ONNX file with the official checker and print the shapes ONNX's own inference gives.

Usage: python3 infer-shapes.py MODEL.onnx -> JSON {value name: [dim, ...] or null}, a dim being an int,
a dim_param string, or null when unknown. Exits 1 with the checker's message when the model fails it.
"""
import json
import sys

import onnx
from onnx import shape_inference

model = onnx.load(sys.argv[1])
try:
    onnx.checker.check_model(model, full_check=True)
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
except Exception as err:  # the checker's own exception types differ between onnx versions
    print(f"{type(err).__name__}: {err}", file=sys.stderr)
    sys.exit(1)


def dims(value):
    t = value.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in t.shape.dim]


graph = inferred.graph
out = {v.name: dims(v) for v in list(graph.value_info) + list(graph.input) + list(graph.output)}
out.update({t.name: list(t.dims) for t in graph.initializer})
print(json.dumps({"onnx": onnx.__version__, "shapes": out}))
