"""Byte-level readers for the image containers the ingest meets (PNG, JPEG, WebP, EXIF).

They walk chunk and segment headers by offset and never decode pixels (the stealth reader is the
one exception, and runs only when nothing else was found), so reading metadata costs little more
than reading the file.
"""
