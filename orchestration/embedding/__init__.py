"""Plain-Python jobs behind the embedding assets: shards, locating images, devices, progress."""
