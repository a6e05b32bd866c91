"""nsifit's built-in datasets (import name `nsifit_data`): data/<plugin>/<dataset>.yaml."""
