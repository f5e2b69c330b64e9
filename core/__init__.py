"""The domain's core: the catalogue, the metrics, the checks, the audit, numbers and words.

Below both `etl` (which loads into the shapes defined here) and `monitor` (the services the pages call);
it imports neither, nor Streamlit (kept by tests/test_layers.py).
"""
