"""nsifit's built-in likelihood plugins (import name `nsifit_likelihoods`).

One module per experiment, each registered under the `nsifit.likelihoods`
entry-point group in pyproject.toml; its datasets live in data/<plugin name>/.
"""
