"""The token store: framed token ids in a memory-mapped file plus a JSON index.

``genoenc tokenize`` writes a store once (:func:`tokenize_inputs`, :func:`write_store`);
training reads it at memory speed (:class:`TokenStore`).
"""

from genoenc.store.ingest import tokenize_inputs, write_id_store
from genoenc.store.store import (
    INDEX_FILE,
    SCHEMA_VERSION,
    STORE_FORMAT,
    TOKENS_FILE,
    StoreRecord,
    TokenStore,
)
from genoenc.store.write import check_destination, write_store

__all__ = [
    "INDEX_FILE",
    "SCHEMA_VERSION",
    "STORE_FORMAT",
    "TOKENS_FILE",
    "StoreRecord",
    "TokenStore",
    "check_destination",
    "tokenize_inputs",
    "write_id_store",
    "write_store",
]
