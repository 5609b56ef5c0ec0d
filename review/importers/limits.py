"""Hard limits that keep a hostile upload from exhausting memory or time."""

MAX_BYTES = 200 * 1024 * 1024

# A compressed upload (.gz/.zip) may not expand past max_bytes, nor by more than this ratio.
MAX_COMPRESSION_RATIO = 100

# XLSX is a zip: these are checked on the zip directory before openpyxl sees the file.
XLSX_MAX_MEMBERS = 1_000
XLSX_MAX_UNCOMPRESSED = 1024 * 1024 * 1024
XLSX_MAX_RATIO = 200

# EndNote XML nests records four or five levels deep; anything far deeper is an attack.
XML_MAX_DEPTH = 64

# One field longer than this is not a citation (CSV's own limit is 128 KiB by default).
MAX_FIELD_CHARS = 10 * 1024 * 1024

# How many records between progress callbacks.
PROGRESS_EVERY = 1_000
