"""Real audio collections: a user's recordings become utterances, transcripts and dataset samples.

- ``batches``: which files make up one partition (``<collection>/<folder>@part-NNN``).
- ``decode``: reading a recording in blocks, checking it, resampling it (soxr) and cutting it.
- ``vad``: Silero speech probabilities per 32 ms frame.
- ``utterances``: speech regions merged and cut into Whisper-sized utterances at silence points.
- ``synthetic``: two-channel "telephone calls" made with TTS, for the sample, the tests and the benchmark.

Plain Python and NumPy: the assets in ``synth_assets/assets/recordings.py`` call these.
"""
