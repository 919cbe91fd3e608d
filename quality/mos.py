"""MOS estimates from a model that ships in a wheel: Microsoft's DNSMOS (P.835 signal, background and
overall, plus P.808), as ONNX files inside the `speechmos` package, run on onnxruntime.

The sessions load once per process with a thread budget, so pool workers do not fight over cores;
the clip is resampled to DNSMOS's 16 kHz. Scores run from 1 (bad) to 5 (excellent). DNSMOS judges
9 s windows: a shorter clip is repeated to fill one, as the reference implementation does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synth_assets.core.audio import resample

DNSMOS_RATE = 16_000


@dataclass(frozen=True)
class MOS:
    overall: float  # P.835 OVRL: what a listener would rate the clip
    signal: float  # P.835 SIG: the speech itself
    background: float  # P.835 BAK: how clean the background is
    p808: float  # P.808 overall rating


@functools.lru_cache(maxsize=None)
def _model(threads: int):
    import onnxruntime as ort
    from speechmos import dnsmos as reference

    folder = Path(reference.__file__).parent / "dnsmos_models"
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    model = reference.DNSMOS.__new__(reference.DNSMOS)  # its __init__ would use every core
    model.primary_model_path = str(folder / "sig_bak_ovr.onnx")
    model.onnx_sess = ort.InferenceSession(model.primary_model_path, options, providers=["CPUExecutionProvider"])
    model.p808_onnx_sess = ort.InferenceSession(str(folder / "model_v8.onnx"), options,
                                                providers=["CPUExecutionProvider"])
    return model


def dnsmos(audio: np.ndarray, rate: int, *, threads: int = 1) -> MOS:
    """DNSMOS of a mono clip at any rate."""
    audio16 = np.clip(resample(np.asarray(audio, np.float32), rate, DNSMOS_RATE), -1.0, 1.0)
    if audio16.size == 0:
        raise ValueError("no samples to rate")
    scores = _model(threads)(audio16, DNSMOS_RATE, False)
    return MOS(*(round(float(scores[k]), 3) for k in ("ovrl_mos", "sig_mos", "bak_mos", "p808_mos")))
