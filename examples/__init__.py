"""The example configs (examples/*.yaml), shipped as package data of nsifit.examples."""
