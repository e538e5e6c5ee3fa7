"""Shared facts every layer reads: where things live (`settings`) and the reference data (`reference`).
Imports nothing else of the project, so extractors, simulator, expectations and the smartcity application
all point one way: at this package (tests/test_layers.py checks it)."""
