"""Store the large weights of an ONNX model at a lower precision, keeping its I/O contract.

    python3 compress_weights.py IN.onnx OUT.onnx fp16|int8

Every weight with at least 1024 values (float32, or float16 followed by a Cast to float32, as the
verifier's export writes them) is replaced by
  fp16: a float16 initializer and a Cast to float32;
  int8: (2-D weights) a symmetric int8 initializer with one float32 scale per output channel
        (per column of a MatMul's right operand, per row of a Gather table), a Cast to float32
        and a Mul by the scales; 1-D weights (biases) as fp16.
The rest of the graph is unchanged: inputs, outputs, the KV cache and all arithmetic stay
float32 (weight-only compression; onnxruntime folds the Cast/Mul of constant weights into float32
weights once, at session creation, so results do not depend on the batch). Prints the largest absolute weight error per mode.
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def logical_weights(graph):
    """name -> (float32 array, initializer to drop, output of the Cast to drop) per large weight."""
    inits = {i.name: i for i in graph.initializer}
    found = {}
    for node in graph.node:
        if node.op_type == "Cast" and node.input[0] in inits:
            to = next(a.i for a in node.attribute if a.name == "to")
            arr = numpy_helper.to_array(inits[node.input[0]])
            if to == onnx.TensorProto.FLOAT and arr.dtype == np.float16 and arr.size >= 1024:
                found[node.output[0]] = (arr.astype(np.float32), node.input[0], node.output[0])
    for name, init in inits.items():
        arr = numpy_helper.to_array(init)
        if arr.dtype == np.float32 and arr.size >= 1024:
            found[name] = (arr, name, None)
    return found


def consumers(graph, name):
    return [(n.op_type, list(n.input).index(name)) for n in graph.node if name in n.input]


def compress(path_in, path_out, mode):
    model = onnx.load(path_in)
    g = model.graph
    weights = logical_weights(g)
    drop_inits = {src for _, src, _ in weights.values()}
    drop_nodes = {node for _, _, node in weights.values() if node is not None}
    new_inits, new_nodes, max_err = [], [], 0.0
    for name, (arr, _, _) in weights.items():
        uses = consumers(g, name)
        if mode == "int8" and arr.ndim == 2:
            ops = {op for op, _ in uses}
            if ops == {"MatMul"} and all(i == 1 for _, i in uses):
                axis = 1  # [K, N] right operand: one scale per output column
            elif ops == {"Gather"}:
                axis = 0  # embedding table: one scale per row
            else:
                raise SystemExit(f"{name}: no int8 rule for consumers {uses}")
            amax = np.abs(arr).max(axis=1 - axis)
            scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
            shape = (1, -1) if axis == 1 else (-1, 1)
            q = np.clip(np.rint(arr / scale.reshape(shape)), -127, 127).astype(np.int8)
            max_err = max(max_err, float(np.abs(q * scale.reshape(shape) - arr).max()))
            new_inits += [
                numpy_helper.from_array(q, name + "_int8"),
                numpy_helper.from_array(scale.reshape(shape), name + "_scale"),
            ]
            # Cast + Mul, not DequantizeLinear: onnxruntime fuses DequantizeLinear -> MatMul into
            # kernels that quantize the activations per call, which makes results depend on the
            # batch; Cast + Mul of constants is folded to a float32 weight at session creation.
            new_nodes += [
                helper.make_node("Cast", [name + "_int8"], [name + "_int8_float"],
                                 to=onnx.TensorProto.FLOAT, name=f"/int8_cast/{name}"),
                helper.make_node("Mul", [name + "_int8_float", name + "_scale"], [name],
                                 name=f"/int8_scale/{name}"),
            ]
        else:
            half = arr.astype(np.float16)
            max_err = max(max_err, float(np.abs(half.astype(np.float32) - arr).max()))
            new_inits.append(numpy_helper.from_array(half, name + "_fp16"))
            new_nodes.append(helper.make_node(
                "Cast", [name + "_fp16"], [name], to=onnx.TensorProto.FLOAT,
                name=f"/cast_fp16/{name}"))
    kept_inits = [i for i in g.initializer if i.name not in drop_inits]
    kept_nodes = [n for n in g.node if not (n.op_type == "Cast" and n.output[0] in drop_nodes)]
    del g.initializer[:]
    g.initializer.extend(kept_inits + new_inits)
    del g.node[:]
    g.node.extend(new_nodes + kept_nodes)
    onnx.checker.check_model(model)
    onnx.save(model, path_out)
    print(f"{path_in} -> {path_out} ({mode}): {len(weights)} weights, "
          f"{os.path.getsize(path_in)} -> {os.path.getsize(path_out)} bytes, "
          f"max abs weight error {max_err:.2e}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[3] not in ("fp16", "int8"):
        raise SystemExit(__doc__)
    compress(sys.argv[1], sys.argv[2], sys.argv[3])
