"""The drivers, above `synth_assets.definitions`: what runs the graph from a command (the runner of
`synth demo` / `synth materialize`, `synth backfill`, `synth plan`, `synth bench`), the Dagster instance
they share and how they stop. The stage framework the assets use stays in `synth_assets.orchestration`,
which imports nothing from here."""
