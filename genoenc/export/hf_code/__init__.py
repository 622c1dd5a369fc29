"""The modelling code an exported folder carries (``trust_remote_code``).

These two files are copied verbatim into every export; they import torch and
transformers only, never genoenc, so the folder loads where genoenc is not installed.
"""
