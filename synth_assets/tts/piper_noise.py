"""Piper with its noise drawn from the clip's seed, so a clip is the same bytes in every run.

A Piper (VITS) .onnx draws its sampling noise inside the graph with ``RandomNormalLike`` ops, from
onnxruntime's own generator: seeded once per session, so a clip's noise depends on every clip the
session made before it (and ``onnxruntime.set_seed`` does not reach it). We rewrite each such op
``RandomNormalLike(x)`` into ``Reshape(Slice(noise_i, 0, Size(x)), Shape(x))``: the noise becomes a
graph input ``noise_i``, a 1-D pool of standard normal values that ``SeededSession`` draws from a
NumPy generator seeded by (clip seed, sentence, op). ``noise_scale`` and ``noise_w_scale`` still
scale that noise inside the graph, so the prosody variation is kept.

The rewritten model is cached under the model cache, named by the source model's hash, and
written atomically, so parallel TTS workers can race to make it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

RANDOM_OP = "RandomNormalLike"
NOISE_INPUT = "synth_noise_{}"
NOISE_SIZE = "synth_noise_{}_size"  # an extra output: how many values op i took, to size the next pool
REWRITE_VERSION = "v3"  # part of the cached file's name: a new rewrite is made afresh (v3: alignment output)
# The frames each phoneme id takes (Piper's w_ceil, the one Ceil of the graph) as an extra output, which
# Piper reads as its phoneme alignment: the word times of a clip come from the voice itself.
ALIGNMENT_OUTPUT = "phoneme_id_frames"
# Pool values per phoneme id for an op not yet seen: the flow's noise is 192 channels times the
# frames, about 2.2 frames per id at speed 1. After a sentence, each op's pool is sized from what the
# ops took (with headroom). A pool too small fails the Reshape, and the call is retried with a pool
# twice as large; the pool's first values do not depend on its size, so neither does the clip.
POOL_PER_PHONEME_ID = 192 * 4
POOL_HEADROOM = 1.5
MAX_POOL_DOUBLINGS = 6


def seeded_model_path(source: Path, source_hash: str, cache: Path) -> Path:
    """The seeded copy of the Piper model ``source`` (made once, then read from ``cache``)."""
    target = cache / "piper-seeded" / f"{source.stem}-{source_hash}-{REWRITE_VERSION}.onnx"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        model = expose_alignment(seed_random_ops(_load(source)))
        handle, scratch = tempfile.mkstemp(dir=target.parent, suffix=".onnx.part")
        os.close(handle)
        try:
            _save(model, scratch)
            os.chmod(scratch, 0o644)
            os.replace(scratch, target)  # atomic: a racing worker sees no half-written model
        finally:
            if os.path.exists(scratch):
                os.unlink(scratch)
    return target


def _load(path: Path):
    import onnx

    return onnx.load(str(path))


def _save(model, path: str) -> None:
    import onnx

    onnx.save(model, path)


def seed_random_ops(model):
    """``model`` with each RandomNormalLike op replaced by a slice of a new 1-D float input, and the
    number of values it took as a new output."""
    from onnx import TensorProto, helper

    graph, rewritten, index = model.graph, [], 0
    for node in graph.node:
        if node.op_type != RANDOM_OP:
            rewritten.append(node)
            continue
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attributes.get("mean", 0.0) != 0.0 or attributes.get("scale", 1.0) != 1.0:
            raise ValueError(f"{node.name}: only standard normal noise is supported")
        pool, like, out = NOISE_INPUT.format(index), node.input[0], node.output[0]
        name = f"/synth_noise_{index}"
        graph.input.append(helper.make_tensor_value_info(pool, TensorProto.FLOAT, ["noise_length"]))
        graph.output.append(helper.make_tensor_value_info(NOISE_SIZE.format(index), TensorProto.INT64, []))
        graph.initializer.append(helper.make_tensor(f"{name}/zero", TensorProto.INT64, [1], [0]))
        rewritten += [
            helper.make_node("Shape", [like], [f"{name}/shape"], name=f"{name}/Shape"),
            helper.make_node("Size", [like], [NOISE_SIZE.format(index)], name=f"{name}/Size"),
            helper.make_node("Unsqueeze", [NOISE_SIZE.format(index), f"{name}/zero"], [f"{name}/end"],
                             name=f"{name}/Unsqueeze"),
            helper.make_node("Slice", [pool, f"{name}/zero", f"{name}/end"], [f"{name}/flat"], name=f"{name}/Slice"),
            helper.make_node("Reshape", [f"{name}/flat", f"{name}/shape"], [out], name=f"{name}/Reshape"),
        ]
        index += 1
    del graph.node[:]
    graph.node.extend(rewritten)
    return model


def expose_alignment(model):
    """``model`` with its phoneme durations (the output of its one Ceil op) as the output
    ALIGNMENT_OUTPUT; unchanged when the graph has no single Ceil."""
    from onnx import TensorProto, helper

    ceils = [node.output[0] for node in model.graph.node if node.op_type == "Ceil"]
    if len(ceils) != 1:
        return model
    model.graph.node.append(helper.make_node("Identity", [ceils[0]], [ALIGNMENT_OUTPUT], name="/synth_alignment"))
    model.graph.output.append(helper.make_tensor_value_info(ALIGNMENT_OUTPUT, TensorProto.FLOAT, None))
    return model


def noise_inputs(session) -> list[str]:
    return sorted(i.name for i in session.get_inputs() if i.name.startswith(NOISE_INPUT.format("")))


class SeededSession:
    """An onnxruntime session of a seeded Piper model that feeds its noise inputs: hand it to
    ``PiperVoice`` in place of the session, and call ``start(seed)`` before each clip. Piper runs
    the model once per sentence; sentence k of a clip draws from the generator (seed, k, op)."""

    def __init__(self, session):
        self._session = session
        self._noise = noise_inputs(session)
        self._outputs = [o.name for o in session.get_outputs() if not o.name.startswith(NOISE_INPUT.format(""))]
        self._most_per_id = [0.0] * len(self._noise)  # the most values per phoneme id each op has taken
        self._seed = 0
        self._sentence = 0

    def start(self, seed: int) -> None:
        self._seed, self._sentence = int(seed), 0

    def get_inputs(self):
        return [i for i in self._session.get_inputs() if i.name not in self._noise]

    def get_outputs(self):
        return [o for o in self._session.get_outputs() if o.name in self._outputs]

    def run(self, output_names, feed: dict[str, Any], *args, **kwargs):
        sentence, self._sentence = self._sentence, self._sentence + 1
        ids = max(1, int(np.asarray(feed["input"]).size))
        wanted = list(output_names or self._outputs)
        sizes = [max(1, int(ids * (POOL_HEADROOM * most if most else POOL_PER_PHONEME_ID))) for most in self._most_per_id]
        for attempt in range(MAX_POOL_DOUBLINGS + 1):
            pools = {name: self.pool(sentence, op, sizes[op]) for op, name in enumerate(self._noise)}
            try:
                sized = wanted + [NOISE_SIZE.format(op) for op in range(len(self._noise))]
                result = self._session.run(sized, {**feed, **pools}, *args, **kwargs)
                break
            except Exception:  # a pool was shorter than its noise (a very slow sentence)
                if attempt == MAX_POOL_DOUBLINGS:
                    raise
                sizes = [2 * size for size in sizes]
        taken = result[len(wanted):]
        self._most_per_id = [max(most, int(size) / ids) for most, size in zip(self._most_per_id, taken)]
        return result[:len(wanted)]

    def pool(self, sentence: int, op: int, size: int) -> np.ndarray:
        generator = np.random.Generator(np.random.PCG64([self._seed & 0xFFFFFFFFFFFFFFFF, sentence, op]))
        return generator.standard_normal(size, dtype=np.float32)
