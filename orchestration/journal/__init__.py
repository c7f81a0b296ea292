"""The journal an artist reads: static HTML pages built from the warehouse views."""
